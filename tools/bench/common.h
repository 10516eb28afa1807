// common.h — what every roster-bench scenario shares: the JSON-RPC request
// lines it sends, the fleet's heartbeat, and how a result is reported (a
// human summary, or one JSON object on one line with --json).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/client.h"
#include "daemon_proc.h"

namespace roster::bench {

// One JSON-RPC request line (no newline).
std::string Req(int64_t id, const char* method, const json::object& params);

// The fleet's heartbeat number i over sessions s0 .. s<sessions-1>: one in
// ten changes meta (a feed event stamped with the send time, t_us).
std::string FleetHeartbeat(int64_t i, int64_t sessions);

// What a commit waits for, as reports show it: the file engine's --sync
// (full or normal), or "raft" for dqlite (a commit is on the Raft log's disk).
std::string SyncOf(const Options& o);

// Prints the summary (human) or one JSON line; both name the engine.
void Report(const Options& o, json::object r);

// Adds <prefix>_p50_ms, _p99_ms and _p999_ms of `us` (sorted in place).
void AddLatency(json::object& r, const char* prefix, std::vector<double>& us);

// Adds daemon_cpu_us_per_op: each daemon thread's CPU time between two
// ThreadCpuUs() readings, per operation (none for a daemon given with --socket).
void AddCpu(json::object& r, const std::map<std::string, double>& before,
            const std::map<std::string, double>& after, int64_t ops);

// A child process that lives until it is killed (or the bench dies): the
// "agent" whose pid sessions are bound to.
pid_t SpawnAgent();

// Registers sessions s<offset> .. s<offset+n-1> with `ttl_ms` (4 connections,
// 16 in flight each).
LoadResult Register(const std::string& socket, int64_t n, int64_t ttl_ms, int64_t offset = 0);

}  // namespace roster::bench

// roundtrip.cc — the roundtrip scenario: the fleet's heartbeat load (same
// requests, connections and depth), in one run, against
//   1. a null server answering on its io thread,
//   2. a null server that hands each batch of requests to a second thread
//      and back, which is rosterd's path for a write without its work,
//   3. rosterd itself (sessions registered first; no watcher).
// The first two show what the socket round trip, the thread hand-off and the
// bench's own client allow on this machine at that depth (null_server.h);
// rosterd's rate against the second is what its own work (JSON, SQL,
// commit) costs. All three run in the same minute, so their ratios hold
// even on a noisy machine where each rate alone moves by a third.
#include <unistd.h>

#include "common.h"
#include "null_server.h"
#include "scenarios.h"

namespace roster::bench {

namespace {

void AddRun(json::object& r, const std::string& name, LoadResult& run) {
  r[name + "_per_s"] = static_cast<double>(run.ok) / run.seconds;
  AddLatency(r, (name + "_latency").c_str(), run.latency_us);
}

}  // namespace

int Roundtrip(Options& o, int depth) {
  const int64_t sessions = o.sessions;
  auto heartbeat = [sessions](int64_t i) { return FleetHeartbeat(i, sessions); };
  const int conns = static_cast<int>(o.conns);
  // The null servers fork, so they run before this process starts any thread.
  const std::string null_socket =
      (fs::temp_directory_path() / ("roster-bench-null-" + std::to_string(getpid()) + ".sock"))
          .string();
  std::vector<LoadResult> null_runs;
  for (NullMode mode : {NullMode::kInline, NullMode::kHandoff}) {
    const pid_t pid = StartNullServer(null_socket, mode);
    null_runs.push_back(RunLoad(null_socket, conns, depth, o.ops, heartbeat));
    StopNullServer(pid);
  }
  ::unlink(null_socket.c_str());
  Daemon d(o, {});
  d.Start();
  LoadResult reg = Register(d.socket(), o.sessions, 30'000);
  LoadResult daemon = RunLoad(d.socket(), conns, depth, o.ops, heartbeat);
  json::object r{{"scenario", o.scenario}, {"sync", SyncOf(o)},    {"sessions", o.sessions},
                 {"heartbeats", o.ops},    {"connections", conns}, {"depth", depth}};
  AddRun(r, "null_inline", null_runs[0]);
  AddRun(r, "null_handoff", null_runs[1]);
  AddRun(r, "rosterd", daemon);
  r["rosterd_vs_null_handoff"] =
      r["rosterd_per_s"].as_double() / r["null_handoff_per_s"].as_double();
  const int64_t errors = reg.errors + daemon.errors;
  r["errors"] = errors;
  if (errors) r["first_error"] = reg.errors ? reg.first_error : daemon.first_error;
  Report(o, r);
  const bool all_answered = null_runs[0].ok == o.ops && null_runs[1].ok == o.ops;
  return errors == 0 && all_answered && daemon.ok == o.ops ? 0 : 1;
}

}  // namespace roster::bench

// config.h — every setting of rosterd in one documented struct, with its
// default (the field's initializer). Settings come from the defaults, then an
// optional JSON config file (--config), then command-line flags. Each key's
// name, range and whether `status` reports it are in the settings table
// (settings.h), which loading and checking go through.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "store/engine_options.h"
#include "util/status.h"

namespace roster::daemon {

struct Limits {
  size_t max_line_bytes = 1 << 20;      // longest request line; longer: error + close
  int max_json_depth = 32;              // deepest JSON nesting accepted
  int max_connections = 1024;           // concurrent client connections
  int max_subscribers = 256;            // concurrent watches (all connections)
  int64_t idle_timeout_ms = 600'000;    // a connection idle this long (and not watching) is closed
  int64_t request_timeout_ms = 10'000;  // longest a request line may take to arrive, once begun
  size_t subscriber_queue = 4096;       // events queued per watch before it reads from disk
  size_t max_write_batch = 1024;        // most requests committed in one group commit
  // With sync full only: how long the writer may wait for the batch size that
  // recent batches suggest before committing (see writer.h). 0 = never wait.
  int64_t group_commit_wait_us = 200;
  // An accepted write that has not started within this fails, uncommitted
  // (writer.h); at most kMaxWriteWaitMs (util/deadlines.h).
  int64_t write_timeout_ms = 2'000;
  // At a stop: how long connections get to take their last replies and
  // events before they are dropped (a watcher that stopped reading).
  int64_t shutdown_grace_ms = 5'000;
};

struct DaemonConfig {
  // The store engine (store/engine.h): "file", one SQLite file (db_path), or
  // "dqlite", an embedded dqlite node at `cluster` keeping its Raft log and
  // snapshots in `data_dir` (store/dqlite_engine.h).
  std::string engine = "file";
  std::string cluster = "127.0.0.1:9001";
  std::string data_dir;  // default: DefaultDqliteDir()
  // dqlite: a member's node address to join the cluster through, on this
  // data directory's first start ("": bootstrap a new cluster; cluster/member.h).
  std::string join;
  // dqlite: the expected one-way network latency between nodes: Raft's
  // heartbeat every 1.5x, its election timeout 15x (20: 300 ms, a failover
  // within ~0.3-0.8 s on a LAN).
  int64_t raft_latency_ms = 20;
  // dqlite: how often a member asks its own node who leads (starting or
  // stopping its core, and telling where the primary is).
  int64_t role_poll_ms = 50;
  // dqlite: this member's node id, from DATA/member.json (set by the member,
  // not a setting; `status` reports it).
  uint64_t node_id = 1;
  std::string db_path;                            // default: DefaultDbPath()
  std::string socket_path;                        // default: DefaultSocketPath()
  store::SyncMode sync = store::SyncMode::kFull;  // --sync full|normal
  std::string log_level = "info";                 // debug | info | warn | error
  int reader_threads = 2;                         // read-only connections serving reads
  // Start-up integrity check: "auto" skips it after a clean shutdown that left
  // the store unchanged (store/clean_shutdown.h); "always" runs it on every
  // start.
  std::string startup_check = "auto";

  Limits limits;

  // Cleanup strand.
  int64_t cleanup_interval_ms = 1000;  // how often expiry/retention runs
  int64_t cleanup_batch = 200;         // rows per maintenance operation
  // How often the sessions' git branches are read again (0: never; a
  // registration with a root still reads its branch).
  int64_t branch_interval_ms = 5000;
  int64_t purge_after_ms = 7LL * 86'400'000;     // stale/stopped sessions kept this long
  int64_t log_retention_ms = 30LL * 86'400'000;  // log entries kept this long (newest always kept)
  int64_t log_max_rows = 0;  // ...and at most this many (0: the engine's, LogMaxRows)
  int64_t changes_retention_ms = 7LL * 86'400'000;  // feed rows kept this long...
  int64_t changes_max_rows = 0;  // ...and at most this many (0: the engine's, ChangesMaxRows)
  // A keyed write's request_key is remembered this long, and at most this
  // many (a retry after that is applied again).
  int64_t request_key_retention_ms = 3'600'000;
  int64_t request_keys_max_rows = 100'000;
  // A checkpointed WAL larger than this is cut back to it when it restarts
  // (SQLite's journal_size_limit); smaller, the file is reused as it is.
  int64_t wal_truncate_bytes = 64LL << 20;
  int64_t progress_interval_ms = 5000;  // watch.progress to idle watchers
  int64_t notify_poll_ms = 50;  // how often the engine is asked whether someone else committed

  // The cluster's transport (src/cluster): the shared secret's file, and
  // TLS between members (the three PEM files, all or none).
  std::string cluster_secret_file;
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  // How long a relayed request waits for a primary before it is answered
  // unavailable (cause no_primary).
  int64_t relay_wait_ms = 2000;

  // TTL default, max live sessions, field sizes, compose marker, host. Not a
  // setting of its own: registry.host_agent, which a cluster member sets
  // for its core (store/registry_options.h): no restart grace or start
  // record at Open, no HostBeat, no process, branch or tmux probes in the
  // cleanup strand and reap, and the expiry sweep covers every reachable
  // host; each host's agent (cluster/host_agent.h) does the rest.
  store::RegistryOptions registry;
};

// Defaults with the default paths filled in.
DaemonConfig DefaultConfig();

// Applies a JSON config file on top of `config`. An unknown key, a value of
// the wrong type or out of its range is invalid_params naming the key, the
// value and the range; nothing is applied then.
Status LoadConfigFile(const std::string& path, DaemonConfig* config);

// Applies one setting given on the command line as `flag` (e.g. "--sync"),
// checked like a config file's.
Status ApplyFlag(const std::string& key, const std::string& flag, const std::string& value,
                 DaemonConfig* config);

// The rules between settings (default_ttl_ms <= max_ttl_ms); run once every
// source was applied.
Status CheckConfig(const DaemonConfig& config);

// What the store engine needs of the configuration.
store::EngineOptions EngineOptionsFor(const DaemonConfig& config);

// Fills in config->registry.host from the machine id when no `host` was set
// (daemon/host_id.h). Returns a warning to log when the hostname had to
// stand in for a missing machine id, else "".
std::string ResolveHost(DaemonConfig* config);

// The row bounds of the feed and the logs: the setting, or when it is 0 the
// engine's default. The file engine keeps 1,000,000 feed rows and bounds the
// logs by age only; dqlite 1.11 holds the whole database in memory on every
// node, so it keeps 100,000 of each (docs/performance.md has their size).
int64_t ChangesMaxRows(const DaemonConfig& config);
int64_t LogMaxRows(const DaemonConfig& config);

// The settings `status` reports under `limits`.
boost::json::object LimitsJson(const DaemonConfig& config);

}  // namespace roster::daemon

// engine_options.h — how rosterd asks for its store: which engine, where its
// data lives, and the engine's own settings. Filled by the daemon from its
// configuration; read by the engine factory (engine.h).
#pragma once

#include <cstdint>
#include <string>

#include "store/registry_options.h"

namespace roster::store {

// The file engine's durability (SQLite's synchronous pragma in WAL mode).
enum class SyncMode {
  kFull,    // every commit is flushed before its reply: survives power loss
  kNormal,  // commits reach the disk at checkpoints: survives a killed daemon
};

struct EngineOptions {
  std::string engine = "file";  // the engine's name (engine.cc lists them)
  // file: the database; its lock (DB.lock), clean-shutdown marker (DB.clean)
  // and WAL live beside it.
  std::string db_path;
  SyncMode sync = SyncMode::kFull;
  // file: a checkpointed WAL larger than this is cut back to it when it
  // restarts (SQLite's journal_size_limit); smaller, it is reused as is.
  int64_t wal_truncate_bytes = 64LL << 20;
  // Run the start-up integrity check even when a clean stop vouches for the
  // store.
  bool always_check = false;
  // dqlite: the address of this rosterd's node ("127.0.0.1:9001", started by
  // the cluster member: cluster/member.h), which the engine connects to, and
  // the member's data directory (the node's Raft log and snapshots are under
  // it, for `status`).
  std::string cluster;
  std::string data_dir;
  uint64_t node_id = 1;      // dqlite: the node's id (for `status`)
  RegistryOptions registry;  // domain limits, clock, probe
};

}  // namespace roster::store

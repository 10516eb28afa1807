// dqlite_engine.h — the dqlite engine: rosterd embeds one dqlite node
// (libdqlite, as LXD does) and keeps Roster's database in it — the same SQL,
// migrations, triggers and feed as the file engine — reached through the
// wire client (dqlite_database.h) like any other client's. The node also
// serves other clients on its address: Debian's `dqlite` shell, roster-backup.
//
// Open: connect the writer to the node at `cluster` — this rosterd's own
// node, which the cluster member (cluster/member.h) started and owns, with
// DIR/rosterd.lock — apply the migrations (a newer schema is refused
// untouched) and run PRAGMA quick_check and a foreign-key check (every
// start: the database is in memory, so the check is cheap; there is no file
// for a clean-shutdown marker to vouch for).
//
// Fenced to its own node. Every connection of the engine (the writer, the
// readers, the notifier) talks to that node only, and only while it leads
// (ClientOptions::follow_leader false): when leadership moves elsewhere,
// its calls fail instead of following it, so the core of a member that
// stopped leading can never write beside the new primary's.
//
// What the file engine does with its file, and what this one does instead:
//   - WAL, checkpoints, journal_size_limit: dqlite's own (its VFS keeps the
//     WAL in memory and checkpoints it after commits). The maintenance hooks
//     only refresh the sizes `status` reports.
//   - sync full/normal: not applicable; a commit returns once it is in the
//     Raft log on disk (O_DSYNC) of a majority (here: the one node). Every
//     1,024 commits the node writes a snapshot of the whole database.
//   - DB.lock: DIR/rosterd.lock, the member's. DB.clean and the skipped
//     check: none.
//   - PRAGMA data_version: the change token is the feed's head, read every
//     notify_poll_ms, so commits made by another client of the node (a
//     `dqlite` shell) reach watchers within that interval.
//   - Memory: 1.11 keeps the whole database in memory on every node, so the
//     feed and the logs have row bounds by default with this engine (the
//     daemon's changes_max_rows and log_max_rows; docs/performance.md).
//
// Thread-safety: as Engine (engine.h).
#pragma once

#include "store/engine.h"

namespace roster::store {

Result<std::unique_ptr<Engine>> OpenDqliteEngine(const EngineOptions& options);

// The database's name in the node (what a `dqlite` shell opens).
inline constexpr const char* kDqliteDatabaseName = "roster";

// Where the engine keeps its node's data and its lock, under `data_dir`.
std::string DqliteNodeDir(const std::string& data_dir);
std::string DqliteLockPath(const std::string& data_dir);

}  // namespace roster::store

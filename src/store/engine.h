// engine.h — the storage seam: everything rosterd does with its store goes
// through one Engine, owned by the store layer. The daemon sees Engine and
// Registry (the domain operations) and nothing of SQL, pragmas, files or
// networks; each engine keeps its own mechanics behind this interface:
//
//   file    one SQLite file in WAL mode (file_engine.h): DB.lock, DB.clean,
//           the start-up integrity check, WAL checkpoints, PRAGMA data_version.
//   dqlite  a dqlite node and its Raft cluster (dqlite_engine.h), reached
//           through dqlite's wire protocol (store/dqlite/).
//
// What every engine promises (docs/architecture.md, "Engines"):
//  - One writer. The Registry from TakeWriter() is the only one that writes;
//    a batch (BeginBatch .. CommitBatch, one savepoint per operation) commits
//    or rolls back as a whole, and a failing operation rolls back only itself.
//  - Inside a batch the writer reads its own new `changes` rows before COMMIT.
//  - The feed has no gaps: revs are assigned in commit order by the single
//    writer, so a read of `changes` above rev R returns every committed rev
//    after R, in order, and a later read never finds an older one.
//  - A change signal: ChangeToken() moves whenever anyone committed (another
//    process, another node), so outside commits reach watchers within
//    the daemon's poll interval.
//  - An acknowledged write survives what the engine's durability promises
//    (file: sync full/normal; dqlite: a Raft majority).
//  - Errors cross as Status; an outcome that may or may not have committed
//    says so (Code::kUnavailable with reason data "unknown_outcome").
//
// Thread-safety: Open, TakeWriter, FinishWrites and Close on the daemon's main
// thread; OpenReader, ChangeToken and the Maintain* calls from any thread, each
// with a Registry of its own (a Registry belongs to one thread).
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "store/engine_options.h"
#include "store/registry.h"
#include "util/status.h"

namespace roster::store {

// How the start-up went, for the log and `status`.
struct StartupReport {
  std::string check = "passed";  // "passed" (the integrity check ran) or "skipped"
  std::string why;               // why it ran, or what vouched for skipping it
  int64_t rev = 0;               // the feed's last rev when serving starts
};

class Engine {
 public:
  // Opens the store `options` names for one rosterd: exclusive ownership
  // (file: DB.lock; a second daemon is refused naming the holder), the
  // schema (migrations; a newer schema is refused untouched) and the start-up
  // check. The writer's Registry is ready to take.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  virtual const StartupReport& startup() const = 0;

  // The single writer's Registry. REQUIRES: called once, before serving.
  virtual std::unique_ptr<Registry> TakeWriter() = 0;
  // A Registry for one reader thread (reads never wait for the writer).
  virtual Result<std::unique_ptr<Registry>> OpenReader() = 0;

  // A value that moves whenever someone else committed since the last call
  // (file: PRAGMA data_version, which ignores `registry`'s own commits). The
  // daemon polls it every notify_poll_ms on a Registry of its own and reads
  // the feed when it moved.
  virtual Result<int64_t> ChangeToken(Registry& registry) = 0;

  // Housekeeping, run by the cleanup strand after each round: the heavy part
  // on a reader beside the writes, then a short part on the writer between
  // batches (file: WAL checkpoint passes, then the pass that completes it).
  virtual void MaintainBesideWrites(Registry& reader) = 0;
  virtual void MaintainBetweenBatches(Registry& writer) = 0;

  // Shutdown: FinishWrites on the writer thread after its last batch; Close
  // once every Registry is destroyed (file: the final TRUNCATE checkpoint,
  // then DB.clean so the next start may skip the integrity check).
  virtual void FinishWrites(Registry& writer) = 0;
  virtual void Close() = 0;

  // Facts for `status`: the engine's name, where it keeps its data, sizes.
  // Any thread (it reads no Registry).
  virtual boost::json::object Describe() const = 0;
  // Where the data lives, for the log ("database PATH, sync full").
  virtual std::string Summary() const = 0;

 protected:
  // The Database behind a Registry this engine made.
  static Database& DatabaseOf(Registry& registry);
};

}  // namespace roster::store

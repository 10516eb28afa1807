// connection.h — opens Roster's SQLite file with the pragmas every connection
// needs, and (for the owner) checks the version and applies migrations.
//
// Pragmas: journal_mode=WAL, foreign_keys=ON, busy_timeout, synchronous FULL
// (default) or NORMAL, cache_size, journal_size_limit. A file whose user_version is newer than this
// binary knows is refused before anything is written to it.
//
// A Connection is not thread-safe: one per thread. SQLite types never leave
// the store layer; other layers see only the Status it returns.
#pragma once

#include <memory>
#include <string>

#include "store/engine_options.h"
#include "store/sql.h"
#include "util/status.h"

namespace SQLite {
class Database;
}

namespace roster::store {

struct ConnectionOptions {
  std::string path;                 // database file; created if missing
  SyncMode sync = SyncMode::kFull;  // synchronous pragma
  int busy_timeout_ms = 5000;       // how long to wait on another writer's lock
  bool migrate = true;              // apply pending migrations (the owner only)
  bool read_only = false;           // open read-only (no migrations)
  int64_t cache_kib = 8192;         // page cache size per connection
  // PRAGMA journal_size_limit: when a fully checkpointed WAL restarts from its
  // beginning, the file is cut back to this many bytes, so a burst does not
  // keep its disk space while steady writes still reuse (not regrow) the
  // file. -1: never cut.
  int64_t wal_size_limit = -1;
};

// What a checkpoint achieved, in WAL frames (pages).
struct CheckpointProgress {
  bool busy = false;          // stopped short by another connection (not an error)
  int64_t wal_frames = 0;     // frames in the WAL
  int64_t copied_frames = 0;  // of which are now in the database file
  int64_t left() const { return wal_frames - copied_frames; }
};

class Connection final : public Database {
 public:
  // Opens (creating if needed) and prepares the database.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The schema version of the file (PRAGMA user_version).
  Result<int> SchemaVersion();
  // Turns SQLite's automatic checkpoint (every 1000 WAL pages, run by the
  // committing connection) on or off for this connection.
  Status SetAutoCheckpoint(bool on);
  // PRAGMA wal_checkpoint(mode): mode is PASSIVE, FULL, RESTART or TRUNCATE.
  Result<CheckpointProgress> Checkpoint(const char* mode);
  // Flushes the database file's written pages to the disk (fdatasync through
  // the connection's own file handle). A checkpoint syncs the database file
  // only when it copies the WAL to its end; passes that run beside writes
  // never do, so the pages they copied wait for the pass that completes.
  Status SyncDatabaseFile();

  // Database: statements straight on SQLite's C API (sqlite_statement.h).
  std::unique_ptr<Statement> Prepare(const std::string& sql) override;
  void Exec(const std::string& sql) override;
  bool InTransaction() const override;
  // sqlite3_busy_timeout; -1: the options' busy_timeout_ms.
  void SetLockWait(int ms) override;
  // Flushes the write-ahead log (fdatasync): every transaction committed so
  // far, by any connection, survives a power loss, as if it had been
  // committed with synchronous=FULL. Any thread's connection may do it.
  Status SyncCommits() override;
  // PRAGMA data_version: moves when another connection commits (not this one).
  Result<int64_t> DataVersion();

  // For the store layer only.
  SQLite::Database& db() { return *db_; }
  const ConnectionOptions& options() const { return options_; }

 private:
  Connection(std::unique_ptr<SQLite::Database> db, ConnectionOptions options);
  std::unique_ptr<SQLite::Database> db_;
  ConnectionOptions options_;
  std::unique_ptr<Statement> data_version_;  // prepared on first use
};

// FromDbError for SQLiteCpp's exceptions too (the file engine's open, pragmas
// and file tools use SQLiteCpp). Store layer only.
Status FromSqliteError(const std::exception& e);

}  // namespace roster::store

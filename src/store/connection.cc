// connection.cc — opening, pragmas, migrations, integrity and checkpoints.
#include "store/connection.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "store/migrations.h"
#include "store/sqlite_statement.h"
#include "store/wal_write_vfs.h"

namespace roster::store {

Status FromSqliteError(const std::exception& e) {
  if (const auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    return FromDbError(
        DbError(SqliteFailure(se->getErrorCode()), se->getExtendedErrorCode(), se->what()));
  }
  return FromDbError(e);
}

std::unique_ptr<Statement> Connection::Prepare(const std::string& sql) {
  return std::make_unique<SqliteStatement>(db_->getHandle(), sql);
}

void Connection::Exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_->getHandle(), sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still holds it
  if (rc != SQLITE_OK) ThrowSqlite(db_->getHandle(), rc);
}

bool Connection::InTransaction() const { return !sqlite3_get_autocommit(db_->getHandle()); }

static int UserVersion(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

Connection::Connection(std::unique_ptr<SQLite::Database> db, ConnectionOptions options)
    : db_(std::move(db)), options_(std::move(options)) {}

Connection::~Connection() = default;

// SQLite keeps memory statistics under one process-wide mutex taken on every
// allocation (6 % of the writer's time on a log append, and contended by the
// readers). Roster never reads them. This must run before SQLite initializes,
// i.e. before the first open; later it is refused with SQLITE_MISUSE and
// changes nothing, which is harmless.
static void TurnOffMemoryStatistics() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  TurnOffMemoryStatistics();
  try {
    int flags =
        options.read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // one connection per thread
    // Each commit's WAL frames reach the file in one write (wal_write_vfs.h).
    auto db = std::make_unique<SQLite::Database>(options.path, flags, options.busy_timeout_ms,
                                                 WalWriteVfsName());
    // Refuse a newer file before writing anything to it (even the WAL switch).
    int version = UserVersion(*db);
    if (version > LatestSchemaVersion())
      return NewerSchemaError("database " + options.path, version);
    if (!options.read_only) db->exec("PRAGMA journal_mode=WAL");
    db->exec(options.sync == SyncMode::kFull ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    db->exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib));
    if (!options.read_only) {
      db->exec("PRAGMA journal_size_limit=" + std::to_string(options.wal_size_limit));
    }
    std::unique_ptr<Connection> conn(new Connection(std::move(db), options));
    if (options.migrate && !options.read_only) {
      ROSTER_RETURN_IF_ERROR(Migrate(*conn, "database " + options.path));
    }
    return conn;
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot open database " + options.path + ": " +
                               FromSqliteError(e).message());
  }
}

Result<int> Connection::SchemaVersion() {
  try {
    return UserVersion(*db_);
  } catch (const std::exception& e) {
    return FromSqliteError(e);
  }
}

Status Connection::SetAutoCheckpoint(bool on) {
  try {
    db_->exec(on ? "PRAGMA wal_autocheckpoint=1000" : "PRAGMA wal_autocheckpoint=0");
    return Status::Ok();
  } catch (const std::exception& e) {
    return FromSqliteError(e);
  }
}

Result<CheckpointProgress> Connection::Checkpoint(const char* mode) {
  try {
    SQLite::Statement q(*db_, std::string("PRAGMA wal_checkpoint(") + mode + ")");
    CheckpointProgress p;
    if (q.executeStep()) {  // busy, log frames, checkpointed frames (-1 -1 if not WAL)
      p.busy = q.getColumn(0).getInt() != 0;
      p.wal_frames = std::max<int64_t>(0, q.getColumn(1).getInt64());
      p.copied_frames = std::max<int64_t>(0, q.getColumn(2).getInt64());
    }
    return p;
  } catch (const std::exception& e) {
    return FromSqliteError(e);
  }
}

Status Connection::SyncDatabaseFile() {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(db_->getHandle(), "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc == SQLITE_OK && file && file->pMethods)
    rc = file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    return Status::Unavailable(std::string("could not sync the database file: ") +
                               sqlite3_errstr(rc));
  }
  return Status::Ok();
}

void Connection::SetLockWait(int ms) {
  sqlite3_busy_timeout(db_->getHandle(), ms >= 0 ? ms : options_.busy_timeout_ms);
}

// Through the file's name, not this connection's handle: a reader's
// connection may not have opened the log yet, and fdatasync flushes what
// every descriptor wrote (every commit's frames are in the file once its
// COMMIT returned: wal_write_vfs.h).
Result<int64_t> Connection::DataVersion() {
  try {
    if (!data_version_) data_version_ = Prepare("PRAGMA data_version");
    data_version_->executeStep();
    const int64_t v = data_version_->getColumn(0).getInt64();
    data_version_->reset();
    return v;
  } catch (const std::exception& e) {
    return FromDbError(e);
  }
}

Status Connection::SyncCommits() {
  const std::string wal = options_.path + "-wal";
  int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();  // no log: every commit is in the database file
    return Status::Unavailable("could not open " + wal + " to flush it: " + std::strerror(errno));
  }
  const int rc = ::fdatasync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::Unavailable("could not flush " + wal + ": " + std::strerror(err));
  return Status::Ok();
}

}  // namespace roster::store

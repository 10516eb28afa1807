// restore.cc — replacing a database with a backup, as a new feed incarnation
// (see file_tools.h and feed_identity.h).
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "store/connection.h"
#include "store/feed_identity.h"
#include "store/file_tools.h"
#include "store/file_tools_internal.h"
#include "util/lockfile.h"
#include "util/paths.h"

namespace roster::store {

namespace fs = std::filesystem;
using namespace file_tools;

namespace {

// The highest rev the database at `db` may have handed out, with its WAL
// folded in (so the file kept aside is complete on its own); nullopt with the
// reason in *why when it is missing or cannot be read.
std::optional<int64_t> ReplacedFloor(const std::string& db, std::string* why) {
  if (!fs::exists(db)) {
    *why = "there is no database at " + db;
    return std::nullopt;
  }
  auto conn = Connection::Open({.path = db, .migrate = false});
  if (!conn.ok()) {
    *why = conn.status().message();
    return std::nullopt;
  }
  try {
    (void)(*conn)->Checkpoint("TRUNCATE");
    (*conn)->Exec("BEGIN");
    const int64_t floor = std::max(ReadFeedIdentity(**conn).floor(),
                                   (*conn)->QueryInt("SELECT coalesce(max(rev), 0) FROM changes"));
    (*conn)->Exec("COMMIT");
    return floor;
  } catch (const std::exception& e) {
    *why = "it cannot be read (" + FromSqliteError(e).message() + ")";
    return std::nullopt;
  }
}

// Moves `path` (and its -wal and -shm, if any) to `to`.
void MoveAside(const std::string& path, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    if (fs::exists(path + suffix, ec)) fs::rename(path + suffix, to + suffix);
  }
}

void SyncDirectoryOf(const std::string& path) {
  auto dir = fs::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<RestoreResult> Restore(const std::string& backup, const std::string& db) {
  LockFile lock;
  if (Status s = lock.Acquire(LockPathFor(db)); !s.ok()) {
    return Status::Unavailable(s.message() + "; stop rosterd before restoring");
  }
  const std::string tmp = db + ".restore-" + std::to_string(getpid());
  auto cleanup = [&tmp] {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(tmp + suffix, ec);
  };
  try {
    RestoreResult r;
    {
      SQLite::Database src(backup, SQLite::OPEN_READONLY);
      ROSTER_RETURN_IF_ERROR(CheckFile(src, "backup " + backup));
      r.rev = FeedRev(src);
      SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup copy(dst, src);
      copy.executeStep(-1);
      r.pages = copy.getTotalPageCount();
    }
    std::string why;
    const std::optional<int64_t> replaced = ReplacedFloor(db, &why);
    {
      auto conn = Connection::Open({.path = tmp, .migrate = false});
      if (!conn.ok()) {
        cleanup();
        return conn.status();
      }
      Database& d = **conn;
      d.Exec("BEGIN IMMEDIATE");
      int64_t floor = 0;
      if (replaced) {
        floor = *replaced;
      } else {
        floor = ReadFeedIdentity(d).floor() + kUnknownHistoryRevMargin;
        r.warning = "the replaced database's history is unknown (" + why +
                    "), so the new feed starts " + std::to_string(kUnknownHistoryRevMargin) +
                    " revs past the backup's";
      }
      const FeedIdentity id = StartIncarnation(d, floor);
      SetOpenRun(d, "");  // a run of the backed-up daemon, not of this file
      d.Exec("COMMIT");
      r.feed_id = id.feed_id;
      r.horizon = id.horizon;
    }  // closing checkpoints the WAL into the file and removes it
    if (fs::exists(db)) {
      r.kept = db + ".before-restore";
      MoveAside(db, r.kept);
    }
    std::error_code ec;
    fs::remove(db + "-wal", ec);
    fs::remove(db + "-shm", ec);
    fs::rename(tmp, db);
    SyncDirectoryOf(db);
    return r;
  } catch (const std::exception& e) {
    cleanup();
    return Status::Unavailable("restore failed: " + FromSqliteError(e).message());
  }
}

}  // namespace roster::store

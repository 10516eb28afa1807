// file_tools.cc — backup and verify of a database file (see file_tools.h);
// restore is in restore.cc, export and import in ndjson.cc.
#include "store/file_tools.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "store/connection.h"
#include "store/file_tools_internal.h"
#include "store/migrations.h"
#include "util/lockfile.h"
#include "util/paths.h"

namespace roster::store {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace file_tools;

Result<BackupResult> Backup(const std::string& db, const std::string& out,
                            const Progress& progress) {
  const std::string tmp = out + ".tmp-" + std::to_string(getpid());
  try {
    if (!fs::exists(db)) return Status::NotFound("no database at " + db);
    SQLite::Database src(db, SQLite::OPEN_READONLY, 5000);
    BackupResult r;
    {
      SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      // One read transaction: every step copies from the same snapshot, so
      // the daemon's writes meanwhile neither restart nor tear the copy.
      src.exec("BEGIN");
      r.rev = FeedRev(src);
      SQLite::Backup backup(dst, src);
      int rc;
      do {
        rc = backup.executeStep(256);
        if (progress)
          progress(backup.getTotalPageCount() - backup.getRemainingPageCount(),
                   backup.getTotalPageCount());
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      r.pages = backup.getTotalPageCount();
      src.exec("COMMIT");
      ROSTER_RETURN_IF_ERROR(CheckFile(dst, "the backup"));
      dst.exec("PRAGMA journal_mode=DELETE");  // one self-contained file
    }
    fs::rename(tmp, out);
    return r;
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return Status::Unavailable("backup failed: " + FromSqliteError(e).message());
  }
}

Result<VerifyReport> Verify(const std::string& db, const Progress& progress) {
  if (!fs::exists(db)) return Status::NotFound("no database at " + db);
  VerifyReport r;
  auto line = [&r](bool ok, const std::string& text) {
    r.lines.push_back((ok ? "ok   " : "FAIL ") + text);
    if (!ok) r.healthy = false;
  };
  try {
    SQLite::Database d(db, SQLite::OPEN_READONLY, 5000);
    SQLite::Transaction txn(d);
    const int64_t pages = d.execAndGet("PRAGMA page_count").getInt64();
    std::string ic;
    {
      PagesRead read(d, progress, 0, 2 * pages);
      ic = d.execAndGet("PRAGMA integrity_check").getString();
    }
    line(ic == "ok", "integrity_check: " + ic);
    int fk;
    {
      d.exec("PRAGMA shrink_memory");  // the second check reads its pages afresh
      PagesRead read(d, progress, pages, 2 * pages);
      fk = d.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt();
    }
    if (progress) progress(2 * pages, 2 * pages);
    line(fk == 0, "foreign_key_check: " + std::to_string(fk) + " violations");
    int version = d.execAndGet("PRAGMA user_version").getInt();
    line(version == LatestSchemaVersion(),
         "schema version " + std::to_string(version) +
             " (this binary: " + std::to_string(LatestSchemaVersion()) + ")");
    // The feed served is the rows above the horizon (a new incarnation leaves
    // the old rows below it until compaction removes them): no gaps there.
    const int64_t horizon = d.execAndGet(
                                 "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta "
                                 "WHERE key = 'compacted_rev'), 0)")
                                .getInt64();
    const std::string feed = FeedId(d);
    line(true, "feed " + (feed.empty() ? std::string("(no id yet)") : feed) +
                   ", compacted through rev " + std::to_string(horizon));
    SQLite::Statement q(d,
                        "SELECT count(*), coalesce(min(rev), 0), coalesce(max(rev), 0) "
                        "FROM changes WHERE rev > ?");
    q.bind(1, static_cast<int64_t>(horizon));
    q.executeStep();
    int64_t count = q.getColumn(0).getInt64(), lo = q.getColumn(1).getInt64(),
            hi = q.getColumn(2).getInt64();
    line(count == 0 || count == hi - lo + 1,
         "feed revs " + std::to_string(lo) + ".." + std::to_string(hi) + " (" +
             std::to_string(count) + " rows, " +
             (count == 0 || count == hi - lo + 1 ? "no gaps" : "GAPS") + ")");
    int64_t seq = FeedRev(d);
    line(seq >= hi, "rev sequence at " + std::to_string(seq));
  } catch (const std::exception& e) {
    line(false, "cannot read the database: " + FromSqliteError(e).message());
  }
  return r;
}

}  // namespace roster::store

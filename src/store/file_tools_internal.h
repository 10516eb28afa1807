// file_tools_internal.h — internal to the store layer: helpers shared by
// file_tools.cc (backup, restore, verify) and ndjson.cc (export, import).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "util/status.h"

namespace roster::store::file_tools {

namespace json = boost::json;

inline int64_t FeedRev(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

// The feed's id (meta.feed_id), "" if it has none.
inline std::string FeedId(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = 'feed_id'");
  return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

inline std::vector<std::string> Columns(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> cols;
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
  q.bind(1, table);
  while (q.executeStep()) cols.push_back(q.getColumn(0).getString());
  return cols;
}

inline json::value ColumnJson(const SQLite::Column& c) {
  switch (c.getType()) {
    case SQLITE_INTEGER:
      return c.getInt64();
    case SQLITE_FLOAT:
      return c.getDouble();
    case SQLITE_NULL:
      return nullptr;
    default:
      return json::string(c.getString());
  }
}

inline void BindJson(SQLite::Statement& q, int i, const json::value& v) {
  if (v.is_int64())
    q.bind(i, v.as_int64());
  else if (v.is_uint64())
    q.bind(i, static_cast<int64_t>(v.as_uint64()));
  else if (v.is_double())
    q.bind(i, v.as_double());
  else if (v.is_string())
    q.bind(i, std::string(v.as_string()));
  else if (v.is_null())
    q.bind(i);
  else
    q.bind(i, json::serialize(v));
}

// Reports the pages a connection reads from its file (SQLite's page-cache
// misses), while a long statement runs, through progress(base + pages read,
// total). Installs SQLite's progress handler for its lifetime.
class PagesRead {
 public:
  PagesRead(SQLite::Database& db, const std::function<void(int64_t, int64_t)>& progress,
            int64_t base, int64_t total)
      : db_(db), progress_(progress), base_(base), total_(total) {
    if (!progress_) return;
    int hi = 0;
    sqlite3_db_status(db_.getHandle(), SQLITE_DBSTATUS_CACHE_MISS, &start_, &hi, 0);
    sqlite3_progress_handler(db_.getHandle(), 10000, &PagesRead::Tick, this);
  }
  ~PagesRead() {
    if (progress_) sqlite3_progress_handler(db_.getHandle(), 0, nullptr, nullptr);
  }
  PagesRead(const PagesRead&) = delete;
  PagesRead& operator=(const PagesRead&) = delete;

 private:
  static int Tick(void* self) {
    auto* p = static_cast<PagesRead*>(self);
    int cur = 0, hi = 0;
    sqlite3_db_status(p->db_.getHandle(), SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 0);
    p->progress_(std::min(p->base_ + cur - p->start_, p->total_), p->total_);
    return 0;  // never interrupt
  }

  SQLite::Database& db_;
  const std::function<void(int64_t, int64_t)>& progress_;
  int64_t base_, total_;
  int start_ = 0;
};

inline Status CheckFile(SQLite::Database& db, const std::string& what) {
  std::string ic = db.execAndGet("PRAGMA integrity_check").getString();
  if (ic != "ok") return Status::Internal(what + " failed its integrity check: " + ic);
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > LatestSchemaVersion()) {
    return Status::Unavailable(what + " has schema version " + std::to_string(version) +
                               ", newer than this binary knows");
  }
  return Status::Ok();
}

}  // namespace roster::store::file_tools

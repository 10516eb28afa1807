// file_tools_internal.h — internal to the store layer: helpers shared by
// file_tools.cc (backup, restore, verify) and ndjson.cc (export, import).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "util/status.h"

namespace roster::store::file_tools {

namespace json = boost::json;

// Tables in dependency order (parents first).
inline const std::vector<std::string> kTables = {"meta",        "sessions",    "pauses", "teams",
                                                 "team_agents", "log_entries", "changes"};

inline int64_t FeedRev(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
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

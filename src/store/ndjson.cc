// ndjson.cc — export of a database file as NDJSON from one read snapshot, and
// import of such an export in one transaction (see file_tools.h).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "core/entities.h"
#include "store/connection.h"
#include "store/feed_identity.h"
#include "store/file_tools.h"
#include "store/file_tools_internal.h"
#include "store/migrations.h"

namespace roster::store {

namespace json = boost::json;
using namespace file_tools;

// Exports from this schema version on have the tables and columns an import
// writes: 0003 changed only how two CHECKs are spelled, 0004 only how the log
// triggers and feed_logs build their JSON, and 0005 added
// sessions.expiry_check_at, which an older export's rows get by its default
// (0: checked at the next sweep).
constexpr int64_t kOldestImportableSchema = 2;

const std::vector<std::string>& ExportTables() {
  static const std::vector<std::string> kTables = [] {
    std::vector<std::string> t{"meta"};
    for (const Entity* e : kEntities) t.emplace_back(e->table);
    t.emplace_back("changes");
    return t;
  }();
  return kTables;
}

Result<int64_t> Export(const std::string& db, const ExportOptions& options, std::ostream& out,
                       const Progress& progress) {
  const std::vector<std::string>& all = ExportTables();
  std::vector<std::string> tables = options.tables.empty() ? all : options.tables;
  if (options.since_rev) tables = {"changes"};
  for (const auto& t : tables) {
    if (std::find(all.begin(), all.end(), t) == all.end()) {
      return Status::InvalidParams("unknown table '" + t + "'");
    }
  }
  try {
    SQLite::Database src(db, SQLite::OPEN_READONLY, 5000);
    SQLite::Transaction txn(src);  // one consistent snapshot for header and rows
    json::object header{{"roster_export", 1},
                        {"schema_version", src.execAndGet("PRAGMA user_version").getInt()},
                        {"rev", FeedRev(src)},
                        {"feed_id", FeedId(src)},
                        {"tables", json::value_from(tables)}};
    if (options.since_rev) header["since_rev"] = *options.since_rev;
    out << json::serialize(header) << "\n";
    int64_t rows = 0, total = 0;
    for (const auto& t : progress ? tables : std::vector<std::string>{}) {
      std::string count = "SELECT count(*) FROM " + t;
      if (options.since_rev) count += " WHERE rev > " + std::to_string(*options.since_rev);
      total += src.execAndGet(count).getInt64();
    }
    for (const auto& t : tables) {
      auto cols = Columns(src, t);
      std::string sql = "SELECT * FROM " + t;
      if (options.since_rev) sql += " WHERE rev > " + std::to_string(*options.since_rev);
      sql += t == "changes" ? " ORDER BY rev" : " ORDER BY rowid";
      SQLite::Statement q(src, sql);
      while (q.executeStep()) {
        json::object row;
        for (int i = 0; i < q.getColumnCount(); ++i)
          row[cols[static_cast<size_t>(i)]] = ColumnJson(q.getColumn(i));
        out << json::serialize(json::object{{"table", t}, {"row", std::move(row)}}) << "\n";
        if (++rows % 1024 == 0 && progress) progress(rows, total);
      }
    }
    if (progress) progress(rows, total);
    return rows;
  } catch (const std::exception& e) {
    return Status::Unavailable("export failed: " + FromSqliteError(e).message());
  }
}

namespace {

// Prepared INSERT per (table, column list) for one import.
class Inserter {
 public:
  Inserter(SQLite::Database& db, bool replace) : db_(db), replace_(replace) {}

  // Inserts one row; false (and a conflict description) when it exists.
  Result<bool> Insert(const std::string& table, const json::object& row) {
    std::vector<std::string> cols;
    for (const auto& [k, v] : row) cols.emplace_back(k);
    ROSTER_RETURN_IF_ERROR(CheckColumns(table, cols));
    SQLite::Statement& q = Prepare(table, cols);
    int i = 1;
    for (const auto& [k, v] : row) BindJson(q, i++, v);
    try {
      q.exec();
      return true;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) return false;
      throw;
    }
  }

 private:
  Status CheckColumns(const std::string& table, const std::vector<std::string>& cols) {
    auto& known = known_[table];
    if (known.empty()) {
      for (auto& c : Columns(db_, table)) known.insert(c);
    }
    for (const auto& c : cols) {
      if (!known.count(c))
        return Status::InvalidParams("table " + table + " has no column '" + c + "'");
    }
    return Status::Ok();
  }

  SQLite::Statement& Prepare(const std::string& table, const std::vector<std::string>& cols) {
    std::string key = table;
    for (const auto& c : cols) key += "," + c;
    auto it = stmts_.find(key);
    if (it != stmts_.end()) {
      it->second->tryReset();  // a failed step leaves its error in reset()
      it->second->clearBindings();
      return *it->second;
    }
    std::string names, marks, updates;
    for (size_t i = 0; i < cols.size(); ++i) {
      names += (i ? ", " : "") + cols[i];
      marks += (i ? ", ?" : "?");
      updates += (i ? ", " : "") + cols[i] + " = excluded." + cols[i];
    }
    std::string sql = "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")";
    if (replace_) sql += " ON CONFLICT DO UPDATE SET " + updates;
    return *stmts_.emplace(key, std::make_unique<SQLite::Statement>(db_, sql)).first->second;
  }

  SQLite::Database& db_;
  bool replace_;
  std::map<std::string, std::set<std::string>> known_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> stmts_;
};

// A fresh import takes the export's feed facts (its feed_id and horizon), but
// not the exporting daemon's run (open_run), and the reservation only rises.
Status AdoptMeta(Database& db, const json::object& row) {
  const json::value* key = row.if_contains("key");
  const json::value* value = row.if_contains("value");
  if (!key || !key->is_string() || !value || !value->is_string()) {
    return Status::InvalidParams("a meta row needs a string key and value: " +
                                 json::serialize(row));
  }
  if (key->as_string() == "open_run") return Status::Ok();
  if (key->as_string() == "rev_reserved") {
    ReserveRevs(db, std::atoll(value->as_string().c_str()));
    return Status::Ok();
  }
  auto q = db.Prepare(
      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  q->bind(1, std::string_view(key->as_string()));
  q->bind(2, std::string_view(value->as_string()));
  q->exec();
  return Status::Ok();
}

std::string RowKey(const json::object& row) {
  for (const char* k : {"id", "rev", "key"}) {
    if (auto* v = row.if_contains(k)) return json::serialize(*v);
  }
  return json::serialize(row).substr(0, 80);
}

}  // namespace

Result<ImportReport> Import(std::istream& in, const std::string& db, bool replace,
                            const Progress& progress, int64_t input_bytes) {
  auto conn = Connection::Open({.path = db});
  if (!conn.ok()) return conn.status();
  SQLite::Database& d = conn.value()->db();
  ImportReport report;
  try {
    std::string line;
    if (!std::getline(in, line))
      return Status::InvalidParams("the import is empty (no header line)");
    boost::system::error_code ec;
    json::value header = json::parse(line, ec);
    if (ec || !header.is_object() || !header.as_object().contains("roster_export")) {
      return Status::InvalidParams("the first line is not a roster export header");
    }
    const auto* version = header.as_object().if_contains("schema_version");
    const int have = d.execAndGet("PRAGMA user_version").getInt();
    if (!version || !version->is_int64() || version->as_int64() < kOldestImportableSchema ||
        version->as_int64() > have) {
      return Status::InvalidParams(
          "schema version mismatch: the export has " +
          (version ? json::serialize(*version) : std::string("none")) + ", the database " +
          std::to_string(have) + " (it imports exports of schema " +
          std::to_string(kOldestImportableSchema) + " to " + std::to_string(have) + ")");
    }
    SQLite::Transaction txn(d, SQLite::TransactionBehavior::IMMEDIATE);
    const bool fresh =
        FeedRev(d) == 0 && d.execAndGet("SELECT count(*) FROM sessions").getInt() == 0;
    if (!fresh) {
      // The database's watchers see history rewritten: a new incarnation,
      // whose revs (the imported rows') follow every rev handed out before.
      const FeedIdentity id = StartIncarnation(**conn, 0);
      report.new_feed_id = id.feed_id;
      report.horizon = id.horizon;
    }
    Inserter inserter(d, replace);
    std::vector<json::object> feed, meta;
    int64_t read = static_cast<int64_t>(line.size()) + 1;
    for (int64_t n = 2; std::getline(in, line); ++n) {
      read += static_cast<int64_t>(line.size()) + 1;
      if (n % 1024 == 0 && progress)
        progress(input_bytes ? std::min(read, input_bytes) : read, input_bytes);
      if (line.empty()) continue;
      json::value v = json::parse(line, ec);
      const json::object* o = ec ? nullptr : v.if_object();
      const json::value* t = o ? o->if_contains("table") : nullptr;
      const json::value* r = o ? o->if_contains("row") : nullptr;
      if (!t || !t->is_string() || !r || !r->is_object()) {
        return Status::InvalidParams("line " + std::to_string(n) + " is not a {table, row} object");
      }
      std::string table(t->as_string());
      if (std::find(ExportTables().begin(), ExportTables().end(), table) == ExportTables().end()) {
        return Status::InvalidParams("line " + std::to_string(n) + ": unknown table '" + table +
                                     "'");
      }
      if (table == "changes") {
        feed.push_back(r->as_object());
        continue;
      }
      if (table == "meta") {
        meta.push_back(r->as_object());
        continue;
      }
      auto ok = inserter.Insert(table, r->as_object());
      if (!ok.ok()) return ok.status();
      if (!*ok) report.conflicts.push_back(table + " " + RowKey(r->as_object()));
      ++report.rows;
    }
    if (!report.conflicts.empty()) return report;  // rolled back: nothing imported
    if (fresh) {
      // The exported feed replaces the rows our own inserts generated.
      d.exec("DELETE FROM changes");
      for (const auto& row : feed) {
        auto ok = inserter.Insert("changes", row);
        if (!ok.ok()) return ok.status();
        ++report.rows;
      }
      for (const auto& row : meta) {
        ROSTER_RETURN_IF_ERROR(AdoptMeta(**conn, row));
        ++report.rows;
      }
      if (const auto* rev = header.as_object().if_contains("rev"); rev && rev->is_int64()) {
        // Revs continue exactly where the source's did.
        d.exec("UPDATE sqlite_sequence SET seq = " + std::to_string(rev->as_int64()) +
               " WHERE name = 'changes'");
      }
      EnsureFeedId(**conn);  // an export from before feed ids
    } else {
      report.feed_rows_skipped = static_cast<int64_t>(feed.size() + meta.size());
    }
    txn.commit();
    if (progress) progress(input_bytes ? input_bytes : read, input_bytes);
    return report;
  } catch (const std::exception& e) {
    return Status::Unavailable("import failed: " + FromSqliteError(e).message());
  }
}

}  // namespace roster::store

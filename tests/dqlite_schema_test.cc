// dqlite_schema_test.cc — Roster's own schema on a dqlite node: schema/roster.sql
// loads unchanged (STRICT tables, JSON checks, triggers, views, AUTOINCREMENT),
// and a batch of requests in savepoints, run through prepared statements,
// leaves exactly the rows the same batch leaves in a plain SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <sstream>

#include "dqlite_fixture.h"

namespace roster::testing {
namespace {

using dq::Value;
using Table = std::vector<std::vector<std::string>>;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Statement {
  std::string sql;
  std::vector<Value> params;
};

// Runs statements and queries on one database: dqlite through the client
// (a statement cache: each SQL prepared once), or a SQLite file.
class Target {
 public:
  virtual ~Target() = default;
  virtual bool Run(const Statement& s) = 0;  // false: the statement failed
  virtual Table Query(const std::string& sql) = 0;
};

class DqliteTarget : public Target {
 public:
  explicit DqliteTarget(dq::Client& client) : client_(client) {}
  bool Run(const Statement& s) override {
    auto it = cache_.find(s.sql);
    if (it == cache_.end()) {
      auto stmt = client_.Prepare(s.sql);
      EXPECT_TRUE(stmt.ok()) << stmt.error().ToString();
      if (!stmt.ok()) return false;
      it = cache_.emplace(s.sql, std::move(stmt).value()).first;
    }
    auto r = client_.Exec(it->second, s.params);
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), dq::ErrorKind::kSql) << r.error().ToString();
    }
    return r.ok();
  }
  Table Query(const std::string& sql) override {
    auto rows = client_.QuerySql(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().ToString();
    Table out;
    if (!rows.ok()) return out;
    for (dq::Row row : *rows) {
      out.emplace_back();
      for (size_t c = 0; c < row.size(); ++c) out.back().push_back(row.GetString(c));
    }
    return out;
  }
  size_t prepared() const { return cache_.size(); }

 private:
  dq::Client& client_;
  std::map<std::string, dq::Stmt> cache_;
};

class SqliteTarget : public Target {
 public:
  explicit SqliteTarget(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    sqlite3_exec(db_, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);  // as dqlite
  }
  ~SqliteTarget() override { sqlite3_close(db_); }
  bool Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool Run(const Statement& s) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, s.sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return false;
    for (size_t i = 0; i < s.params.size(); ++i) {
      const Value& v = s.params[i];
      int at = static_cast<int>(i + 1);
      if (v.type() == dq::Type::kInteger) sqlite3_bind_int64(st, at, v.raw_int());
      if (v.type() == dq::Type::kText) {
        sqlite3_bind_text(st, at, v.raw_bytes().data(), static_cast<int>(v.raw_bytes().size()),
                          SQLITE_TRANSIENT);
      }
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
  }
  Table Query(const std::string& sql) override {
    Table out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(st) == SQLITE_ROW) {
      out.emplace_back();
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        out.back().push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

const std::string kSchema = ReadFile(ROSTER_SOURCE_DIR "/schema/roster.sql");

TEST(DqliteSchema, RosterSqlLoadsUnchangedAndEnforcesItsRules) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect("roster.db");
  auto loaded = client->ExecSql(kSchema);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  TempDir dir;
  SqliteTarget file(dir.File("roster.db"));
  ASSERT_TRUE(file.Exec(kSchema));
  DqliteTarget dqlite(*client);
  const std::string schema = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY 1, 2";
  Table want = file.Query(schema);
  EXPECT_GT(want.size(), 30u);  // tables, indexes, triggers, views
  EXPECT_EQ(dqlite.Query(schema), want);
  for (const char* q : {"PRAGMA user_version", "SELECT * FROM session_counts ORDER BY 1",
                        "SELECT * FROM meta ORDER BY 1"}) {
    EXPECT_EQ(dqlite.Query(q), file.Query(q)) << q;
  }

  // STRICT types and the JSON checks hold on the node.
  const std::string insert =
      "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms, meta) "
      "VALUES ('a', 'a', ?, 1, 1, 1000, ?)";
  auto strict = client->ExecSql(insert, {Value::Text("soon"), Value::Text("{}")});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().status().code(), Code::kConflict);
  EXPECT_NE(strict.error().status().message().find("cannot store TEXT value in INTEGER column"),
            std::string::npos);
  auto json = client->ExecSql(insert, {Value::Int(1), Value::Text("[1]")});
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.error().status().message().find("CHECK constraint failed"), std::string::npos);
  ASSERT_TRUE(client->ExecSql(insert, {Value::Int(1), Value::Text("{}")}).ok());
  EXPECT_EQ(dqlite.Query("SELECT rev, entity, op FROM changes"),
            (Table{{"1", "session", "insert"}}));
}

// Requests as the writer runs them: each in its own savepoint, rolled back
// to it when a statement fails; one transaction for the batch.
void RunBatch(Target& t, const std::vector<std::vector<Statement>>& requests, bool commit,
              std::vector<bool>* applied) {
  ASSERT_TRUE(t.Run({"BEGIN IMMEDIATE", {}}));
  for (const auto& request : requests) {
    ASSERT_TRUE(t.Run({"SAVEPOINT request", {}}));
    bool ok = true;
    for (const auto& s : request) {
      if (!(ok = t.Run(s))) break;
    }
    if (!ok) {
      ASSERT_TRUE(t.Run({"ROLLBACK TO request", {}}));
    }
    ASSERT_TRUE(t.Run({"RELEASE request", {}}));
    applied->push_back(ok);
  }
  ASSERT_TRUE(t.Run({commit ? "COMMIT" : "ROLLBACK", {}}));
}

TEST(DqliteSchema, SavepointBatchesLeaveTheSameChangesAsASqliteFile) {
  const std::string session =
      "INSERT INTO sessions (id, name, root, created_at, updated_at, last_seen, ttl_ms, meta) "
      "VALUES (?, ?, '/work', 1000, 1000, 1000, 60000, ?)";
  const std::string log =
      "INSERT INTO log_entries (session_id, seq, epoch, ts, kind, body) "
      "VALUES ('s1', ?, 1, 2002, 'note', ?)";
  const std::vector<std::vector<Statement>> requests = {
      {{session, {Value::Text("s1"), Value::Text("alpha"), Value::Text(R"({"model":"x"})")}}},
      // A taken name: the request fails, its savepoint is rolled back.
      {{session, {Value::Text("s2"), Value::Text("alpha"), Value::Text("{}")}}},
      // A pure heartbeat: no change.
      {{"UPDATE sessions SET last_seen = ?, updated_at = ? WHERE id = 's1'",
        {Value::Int(2000), Value::Int(2000)}}},
      {{"UPDATE sessions SET meta = json_patch(meta, ?), updated_at = 2001 WHERE id = 's1'",
        {Value::Text(R"({"branch":"main"})")}}},
      {{log, {Value::Int(1), Value::Text(R"({"a":1})")}},
       {log, {Value::Int(2), Value::Text(R"("text")")}}},
      {{"INSERT INTO teams (project_id, root, started_at, updated_at) "
        "VALUES ('p', '/work', 3000, 3000)",
        {}},
       {"INSERT INTO team_agents (project_id, root, agent, added_at) VALUES ('p', '/work', ?, "
        "3000)",
        {Value::Text("a")}},
       {"INSERT INTO team_agents (project_id, root, agent, added_at) VALUES ('p', '/work', ?, "
        "3000)",
        {Value::Text("b")}}},
      // The log entry is rolled back with the bad session after it.
      {{log, {Value::Int(3), Value::Text("{}")}},
       {session, {Value::Text("s3"), Value::Text("gamma"), Value::Text("[]")}}},
      {{"INSERT INTO pauses (session_id, paused_at, summary, note) "
        "VALUES ('s1', 4000, 'summary', ?)",
        {Value::Text("back at 5")}},
       {"UPDATE sessions SET status = 'paused', updated_at = 4000 WHERE id = 's1'", {}}},
      {{"DELETE FROM team_agents WHERE agent = ?", {Value::Text("b")}}},
      {{session, {Value::Text("s4"), Value::Text("delta"), Value::Text("{}")}},
       {"DELETE FROM sessions WHERE id = ?", {Value::Text("s4")}}},
  };
  DqliteCluster cluster(1);
  auto client = cluster.Connect("roster.db");
  ASSERT_TRUE(client->ExecSql(kSchema).ok());
  TempDir dir;
  SqliteTarget file(dir.File("roster.db"));
  ASSERT_TRUE(file.Exec(kSchema));
  DqliteTarget dqlite(*client);

  std::vector<bool> on_dqlite, on_file;
  RunBatch(dqlite, requests, /*commit=*/true, &on_dqlite);
  RunBatch(file, requests, /*commit=*/true, &on_file);
  EXPECT_EQ(on_dqlite, on_file);
  EXPECT_EQ(on_dqlite,
            (std::vector<bool>{true, false, true, true, true, true, false, true, true, true}));
  // A batch rolled back as a whole enters nothing.
  std::vector<bool> ignored;
  RunBatch(dqlite, {requests[0]}, /*commit=*/false, &ignored);
  RunBatch(file, {requests[0]}, /*commit=*/false, &ignored);

  // Everything but the clock's ts is identical.
  for (const char* q : {"SELECT rev, entity, op, key, session_id, data FROM changes ORDER BY rev",
                        "SELECT name, seq FROM sqlite_sequence ORDER BY name",
                        "SELECT status, n FROM session_counts ORDER BY status",
                        "SELECT * FROM sessions ORDER BY id", "SELECT * FROM log_entries",
                        "SELECT * FROM pauses", "SELECT * FROM team_agents"}) {
    Table want = file.Query(q);
    EXPECT_EQ(dqlite.Query(q), want) << q;
  }
  EXPECT_EQ(file.Query("SELECT count(*) FROM changes"), (Table{{"12"}}));
  // Each distinct statement was prepared once on the node.
  EXPECT_EQ(dqlite.prepared(), 16u);
}

}  // namespace
}  // namespace roster::testing

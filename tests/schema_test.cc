// schema_test.cc — migrations, schema/roster.sql, pragmas, refusal of newer
// files, and change capture of writes made outside the daemon (sqlite3 shell).
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/entities.h"
#include "sql_text.h"
#include "store/file_tools.h"
#include "store/migrations.h"
#include "store/sql.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using testing::Rows;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SQL without comments and with whitespace collapsed, for comparing views,
// triggers and indexes whose source text may be commented differently.
std::string NormalizeSql(std::string sql) {
  sql = std::regex_replace(sql, std::regex("--[^\n]*"), " ");
  sql = std::regex_replace(sql, std::regex("\\s+"), " ");
  sql = std::regex_replace(sql, std::regex(" ?([(),;]) ?"), "$1");
  return sql;
}

// Everything about a schema that matters, as comparable text.
std::string DescribeSchema(SQLite::Database& db) {
  std::string out = "user_version=" + Rows(db, "PRAGMA user_version");
  SQLite::Statement objs(db,
                         "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
                         "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  while (objs.executeStep()) {
    std::string type = objs.getColumn(0).getString(), name = objs.getColumn(1).getString();
    out += type + " " + name + " on " + objs.getColumn(2).getString() + "\n";
    if (type == "table") {
      out += NormalizeSql(objs.getColumn(3).getString()) + "\n";  // CHECKs live only here
      out += Rows(db, "PRAGMA table_xinfo('" + name + "')");
      out += Rows(db, "SELECT strict, wr FROM pragma_table_list WHERE name = '" + name + "'");
      out += Rows(db, "PRAGMA foreign_key_list('" + name + "')");
      out += Rows(db, "PRAGMA index_list('" + name + "')");
    } else {
      out += NormalizeSql(objs.getColumn(3).getString()) + "\n";
    }
  }
  return out;
}

// The store's boundary turns an engine error into a sentence with the right
// code: what a client sees never carries SQLite's text.
TEST(Schema, DatabaseErrorsBecomeSentencesWithTheirCode) {
  using F = store::DbError::Failure;
  struct Case {
    F failure;
    const char* raw;
    Code code;
    const char* says;
  } cases[] = {
      {F::kConstraint, "UNIQUE constraint failed: pauses.session_id", Code::kInvalidState,
       "already has an open pause"},
      {F::kConstraint, "UNIQUE constraint failed: sessions.name", Code::kConflict,
       "already has that name"},
      {F::kConstraint, "UNIQUE constraint failed: meta.key", Code::kConflict, "(meta.key)"},
      {F::kConstraint, "CHECK constraint failed: activity = 'working'", Code::kInvalidParams,
       "outside what the database schema allows"},
      {F::kConstraint, "NOT NULL constraint failed: sessions.root", Code::kInvalidParams,
       "(sessions.root)"},
      {F::kConstraint, "FOREIGN KEY constraint failed", Code::kConflict, "does not exist"},
      {F::kBusy, "database is locked", Code::kUnavailable, "try again"},
      {F::kCorrupt, "database disk image is malformed", Code::kUnavailable, "restore a backup"},
      {F::kFull, "database or disk is full", Code::kUnavailable, "free some space"},
      {F::kOther, "misuse of the API", Code::kInternal, "rosterd's log"},
  };
  for (const auto& c : cases) {
    Status s = store::FromDbError(store::DbError(c.failure, 0, c.raw));
    EXPECT_EQ(s.code(), c.code) << c.raw;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(c.raw), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("constraint failed"), std::string::npos) << s.message();
  }
  Status other = store::FromDbError(std::runtime_error("some library's words"));
  EXPECT_EQ(other.code(), Code::kInternal);
  EXPECT_EQ(other.message().find("some library's words"), std::string::npos);
}

TEST(Schema, MigrationsProduceExactlySchemaFile) {
  TempDir dir;
  ASSERT_TRUE(store::Connection::Open({.path = dir.File("migrated.db")}).ok());
  SQLite::Database migrated(dir.File("migrated.db"));
  SQLite::Database documented(dir.File("documented.db"),
                              SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  documented.exec(ReadFile(ROSTER_SOURCE_DIR "/schema/roster.sql"));
  // Compare line by line so a failure names the first difference.
  std::istringstream a(DescribeSchema(migrated)), b(DescribeSchema(documented));
  std::string la, lb;
  int line = 0;
  while (true) {
    bool more_a = static_cast<bool>(std::getline(a, la)),
         more_b = static_cast<bool>(std::getline(b, lb));
    ++line;
    if (!more_a && !more_b) break;
    ASSERT_EQ(more_a ? la : "<end>", more_b ? lb : "<end>") << "first difference at line " << line;
  }
  EXPECT_EQ(migrated.execAndGet("PRAGMA user_version").getInt(), store::LatestSchemaVersion());
}

TEST(Schema, FileIsWalWithStrictTablesTriggersAndViews) {
  RegistryHarness h;
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_table_list "
                          "WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' "
                          "AND strict = 0")
                .getInt(),
            0);
  // Each entity's insert, update and delete triggers (sessions and teams
  // delete in two steps, see feed_deleting), the expiry check and the three
  // session_counts triggers.
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").getInt(),
            3 * static_cast<int>(kEntities.size()) + 2 + 1 + 3);
  for (const char* view :
       {"sessions_view", "live_sessions", "open_pauses", "team_roster", "recent_changes"}) {
    EXPECT_EQ(db.execAndGet(std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'view' "
                                        "AND name = '") +
                            view + "'")
                  .getInt(),
              1)
        << view;
  }
}

TEST(Schema, SyncModeIsFullByDefaultAndNormalOnRequest) {
  TempDir dir;
  auto full = store::Connection::Open({.path = dir.File("a.db")});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value()->db().execAndGet("PRAGMA synchronous").getInt(), 2);
  EXPECT_EQ(full.value()->db().execAndGet("PRAGMA foreign_keys").getInt(), 1);
  auto normal =
      store::Connection::Open({.path = dir.File("a.db"), .sync = store::SyncMode::kNormal});
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal.value()->db().execAndGet("PRAGMA synchronous").getInt(), 1);
}

TEST(Schema, NewerDatabaseIsRefusedAndLeftUntouched) {
  TempDir dir;
  const std::string path = dir.File("future.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE x (a INTEGER); PRAGMA user_version = 999;");
  }
  const std::string before = ReadFile(path);
  auto r = store::Connection::Open({.path = path});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("newer than this binary"), std::string::npos);
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(Schema, ReopeningAppliesNothingTwice) {
  TempDir dir;
  ASSERT_TRUE(store::Connection::Open({.path = dir.File("r.db")}).ok());
  auto again = store::Connection::Open({.path = dir.File("r.db")});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value()->SchemaVersion().value(), store::LatestSchemaVersion());
  EXPECT_TRUE(store::CheckIntegrity(*again.value(), true).ok());
}

TEST(Schema, ShellWritesEnterTheFeedButShellHeartbeatsDoNot) {
  RegistryHarness h;
  const std::string shell = "sqlite3 " + h.db + " ";
  ASSERT_EQ(std::system((shell + "\"PRAGMA foreign_keys=ON; INSERT INTO sessions (id, name, "
                                 "created_at, updated_at, last_seen, ttl_ms) VALUES "
                                 "('ext', 'external', 1, 1, 1, 1000);\"")
                            .c_str()),
            0);
  ASSERT_EQ(
      std::system((shell + "\"UPDATE sessions SET last_seen = 99 WHERE id = 'ext';\"").c_str()), 0);
  ASSERT_EQ(
      std::system((shell + "\"UPDATE sessions SET status = 'idle' WHERE id = 'ext';\"").c_str()),
      0);
  EXPECT_EQ(h.ChangesAfter(0),
            (std::vector<std::string>{"session insert ext", "session update ext"}));
  auto s = h.reg->Get("external");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, "idle");
}

TEST(Schema, FeedViewsShowTheSameRowJsonAsTheTriggers) {
  RegistryHarness h;
  auto s = h.reg->Register({.name = "alpha",
                            .root = "/r",
                            .pid = 7,
                            .tmux_session = "t",
                            .meta = json::parse(R"({"model":"m","n":1.5})").as_object(),
                            .tmux_pane = "%1",
                            .tmux_socket = "/s",
                            .activity = "working"});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(h.reg->Register({.name = "no-pid"}).ok());  // its expires_at is a number
  ASSERT_TRUE(h.reg->LogAppend("alpha", "prompt", json::parse(R"({"prompt":"hi"})")).ok());
  ASSERT_TRUE(h.reg->Pause("alpha", std::string("note")).ok());
  ASSERT_TRUE(
      h.reg->TeamUp({.project_id = "p", .root = "/r", .tmux_prefix = "x-", .agents = {"a"}}).ok());
  std::vector<std::string> all;
  for (const Entity* e : kEntities) all.emplace_back(e->name);
  auto snap = h.reg->ReadSnapshot(all, std::nullopt);
  ASSERT_TRUE(snap.ok());
  auto feed = h.reg->ReadChanges(0, 1000);
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(snap->rows.size(), 6u);
  for (const auto& row : snap->rows) {
    std::string latest;
    for (const auto& c : *feed) {
      if (c.entity == row.entity && c.key == row.key) latest = c.data;
    }
    EXPECT_EQ(json::parse(row.data), json::parse(latest)) << row.entity << " " << row.key;
    if (row.entity != "session") continue;
    // The API's Session is the same row plus its open pause and whether its
    // host is unreachable (derived when read).
    json::value api = json::value_from(h.reg->Get(row.key).value());
    api.as_object().erase("pause");
    api.as_object().erase("unreachable");
    EXPECT_EQ(json::parse(row.data), api) << row.key;
  }
}

}  // namespace
}  // namespace roster

namespace roster {
namespace {

int64_t CountOf(SQLite::Database& db, const std::string& status) {
  SQLite::Statement q(db, "SELECT n FROM session_counts WHERE status = ?");
  q.bind(1, status);
  return q.executeStep() ? q.getColumn(0).getInt64() : -1;
}

TEST(Schema, MigratingAVersion1DatabaseKeepsItsRowsAndCountsThem) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(store::EmbeddedMigrations().at(0).sql);
    db.exec("PRAGMA user_version = 1");
    db.exec(
        "INSERT INTO sessions (id, name, status, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('a', 'a', 'active', 1, 1, 1, 10), ('b', 'b', 'paused', 1, 1, 1, 10), "
        "('c', 'c', 'active', 1, 1, 1, 10)");
  }
  ASSERT_TRUE(store::Connection::Open({.path = path}).ok());
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), store::LatestSchemaVersion());
  EXPECT_EQ(CountOf(db, "active"), 2);
  EXPECT_EQ(CountOf(db, "paused"), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM changes").getInt(), 3);  // the v1 rows' feed kept
}

TEST(Schema, SessionCountsFollowEveryKindOfWrite) {
  RegistryHarness h;
  ASSERT_TRUE(h.reg->Register({.name = "a"}).ok());
  ASSERT_TRUE(h.reg->Register({.name = "b"}).ok());
  ASSERT_TRUE(h.reg->Pause("a", std::nullopt).ok());
  ASSERT_TRUE(h.reg->Heartbeat({.session = "b", .status = "idle"}).ok());
  ASSERT_TRUE(h.reg->Register({.name = "c"}).ok());
  ASSERT_TRUE(h.reg->Stop("c", std::nullopt).ok());
  ASSERT_EQ(std::system(("sqlite3 " + h.db +
                         " \"PRAGMA foreign_keys=ON; DELETE FROM sessions "
                         "WHERE name = 'c';\"")
                            .c_str()),
            0);
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(status || '=' || n, ' ') FROM "
                          "(SELECT * FROM session_counts ORDER BY status)")
                .getString(),
            db.execAndGet("SELECT group_concat(status || '=' || n, ' ') FROM (SELECT s.status, "
                          "(SELECT count(*) FROM sessions WHERE status = s.status) AS n "
                          "FROM session_counts AS s ORDER BY s.status)")
                .getString());
  EXPECT_EQ(CountOf(db, "paused"), 1);
  EXPECT_EQ(CountOf(db, "idle"), 1);
  EXPECT_EQ(CountOf(db, "stopped"), 0);
}

TEST(Schema, MigratingAVersion2FeedKeepsEveryRowAndItsRevSequence) {
  TempDir dir;
  const std::string path = dir.File("v2.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(store::EmbeddedMigrations().at(0).sql);
    db.exec(store::EmbeddedMigrations().at(1).sql);
    db.exec("PRAGMA user_version = 2");
    db.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('a', 'a', 1, 1, 1, 10), ('b', 'b', 1, 1, 1, 10), ('c', 'c', 1, 1, 1, 10)");
    db.exec("DELETE FROM changes WHERE rev = 3");  // the newest rev, as compaction may leave it
  }
  ASSERT_TRUE(store::Connection::Open({.path = path}).ok());
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), store::LatestSchemaVersion());
  EXPECT_EQ(db.execAndGet("SELECT group_concat(rev || ':' || key, ' ') FROM changes").getString(),
            "1:a 2:b");
  db.exec(
      "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
      "VALUES ('d', 'd', 1, 1, 1, 10)");
  EXPECT_EQ(db.execAndGet("SELECT max(rev) FROM changes").getInt(), 4);  // 3 is not reused
  EXPECT_EQ(
      db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%changes_v2%'").getInt(),
      0);
  // The entity must be one of the entities table's (a foreign key, checked
  // as the daemon, dqlite and the README's shell examples run: keys on).
  db.exec("PRAGMA foreign_keys = ON");
  EXPECT_THROW(db.exec("INSERT INTO changes (ts, entity, op, key, data) "
                       "VALUES (1, 'bogus', 'insert', 'k', '{}')"),
               SQLite::Exception);
}

// The log triggers splice the body into the row JSON as stored (no json()
// re-render), so text fields must still be quoted and any valid body, even
// one written with whitespace from the shell, must give parseable JSON.
TEST(Schema, LogFeedJsonQuotesTextAndCarriesAnyValidBody) {
  RegistryHarness h;
  ASSERT_TRUE(h.reg->Register({.id = "we\"ird:id", .name = "w"}).ok());
  SQLite::Database db(h.db, SQLite::OPEN_READWRITE);
  db.exec(
      "INSERT INTO log_entries (session_id, seq, epoch, ts, kind, body) VALUES "
      "('we\"ird:id', 1, 1, 5, 'k\\\"q', ' { \"a\" : [1, 2.5e3, \"x\\ny\"] } ')");
  db.exec("DELETE FROM log_entries");
  auto feed = h.reg->ReadChanges(0, 100);
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->size(), 3u);  // session insert, log insert, log delete
  for (size_t i = 1; i < 3; ++i) {
    json::value data = json::parse((*feed)[i].data);
    EXPECT_EQ(data.at("session_id").as_string(), "we\"ird:id");
    EXPECT_EQ(data.at("kind").as_string(), "k\\\"q");
    EXPECT_EQ(data.at("seq").as_int64(), 1);
    EXPECT_EQ(data.at("ts").as_int64(), 5);
    EXPECT_EQ(data.at("body"), json::parse(R"({"a":[1,2.5e3,"x\ny"]})"));
  }
}

// An IN list of more than two constants in a CHECK makes SQLite build a
// temporary index on every insert; the feed table must not pay that per event.
TEST(Schema, FeedInsertBuildsNoTemporaryIndex) {
  RegistryHarness h;
  SQLite::Database db(h.db);
  SQLite::Statement plan(db,
                         "EXPLAIN INSERT INTO changes (ts, entity, op, key, data) "
                         "VALUES (1, 'log', 'insert', 'k', '{}')");
  int ephemeral = 0, ops = 0;
  while (plan.executeStep()) {
    ++ops;
    if (plan.getColumn(1).getString() == "OpenEphemeral") ++ephemeral;
  }
  EXPECT_GT(ops, 0);
  EXPECT_EQ(ephemeral, 0);
}

// Counts the opcodes named in `ops` in the program SQLite compiles for `sql`
// itself. EXPLAIN lists the trigger programs after it, each numbered from 0
// again; those run only when their WHEN holds, so they are left out.
int CountOpcodes(SQLite::Database& db, const std::string& sql, const std::set<std::string>& ops) {
  SQLite::Statement plan(db, "EXPLAIN " + sql);
  int n = 0;
  for (int64_t last = -1; plan.executeStep(); last = plan.getColumn(0).getInt64()) {
    if (plan.getColumn(0).getInt64() < last) break;
    n += ops.count(plan.getColumn(1).getString()) ? 1 : 0;
  }
  return n;
}

// The daemon's plain heartbeat statement. It moves no index entry (the expiry
// index is on expiry_check_at, not last_seen) and runs one trigger program,
// the guard that keeps expiry_check_at under the expiry, not the feed trigger.
TEST(Schema, HeartbeatMovesNoIndexEntryAndRunsOnlyTheExpiryGuard) {
  RegistryHarness h;
  SQLite::Database db(h.db);
  const std::string heartbeat = "UPDATE sessions SET last_seen = ?2 WHERE id = ?1";
  EXPECT_EQ(CountOpcodes(db, heartbeat, {"IdxInsert", "IdxDelete"}), 0);
  EXPECT_EQ(CountOpcodes(db, heartbeat, {"Program"}), 1);
  // What a status change costs, for contrast: both triggers and index moves.
  const std::string status = "UPDATE sessions SET status = ?2 WHERE id = ?1";
  EXPECT_GT(CountOpcodes(db, status, {"IdxInsert", "IdxDelete"}), 0);
  EXPECT_GT(CountOpcodes(db, status, {"Program"}), 1);
}

TEST(Schema, MigratingAVersion4DatabaseSetsEachSessionsExpiryCheckToItsExpiry) {
  TempDir dir;
  const std::string path = dir.File("v4.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (size_t i = 0; i < 4; ++i) db.exec(store::EmbeddedMigrations().at(i).sql);
    db.exec("PRAGMA user_version = 4");
    db.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('a', 'a', 1, 1, 5, 10), ('b', 'b', 1, 1, 7, 100)");
  }
  ASSERT_TRUE(store::Connection::Open({.path = path}).ok());
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(id || '=' || expiry_check_at, ' ') FROM "
                          "(SELECT * FROM sessions ORDER BY id)")
                .getString(),
            "a=15 b=107");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM changes").getInt(), 2);  // no new feed rows
}

}  // namespace
}  // namespace roster

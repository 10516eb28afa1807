// feed_compat_test.cc — the feed's trigger-captured rows are the same under
// the schema-6 triggers (each entity's row JSON written in every trigger) and
// the current ones (read from the entity's feed view), column for column and
// in the same order, for a workload that exercises every entity and op.
//
// Both databases start as one schema-6 file holding rows and a feed. One is
// migrated (the current triggers, and `changes` rebuilt); the other keeps the
// schema-6 triggers (migrations 1-6, history that never changes), gains only
// the columns, tables and indexes of schema 8 (hosts), and is marked current
// so the Registry runs on it as it is. Schema 8 adds `host` to the row JSON
// of sessions, pauses and teams: the comparison takes it out again. Then the same workload
// runs on both, with the Registry's clock and SQLite's own clock (the one the
// triggers stamp `changes.ts` with) scripted, so every column can be compared.
// This program's default VFS answers the scripted time (its own executable,
// so no other test sees that clock).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <limits>

#include "sql_text.h"
#include "store/migrations.h"
#include "store/registry.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::FakeProbe;
using testing::TempDir;

// ---- SQLite's clock, scripted ----

int64_t g_unix_ms = 0;
constexpr int64_t kUnixEpochJulianMs = 210'866'760'000'000;  // 1970-01-01 as a Julian day, in ms

int ScriptedTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  *out = g_unix_ms + kUnixEpochJulianMs;
  return SQLITE_OK;
}
int ScriptedTime(sqlite3_vfs*, double* out) {
  *out = static_cast<double>(g_unix_ms + kUnixEpochJulianMs) / 86'400'000.0;
  return SQLITE_OK;
}

// Makes the default VFS a copy of the real one that answers g_unix_ms. Runs
// before the first database of the program opens (the store's own VFS wraps
// whatever is the default then).
void ScriptSqliteClock() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v = *sqlite3_vfs_find(nullptr);
    v.zName = "roster-scripted-clock";
    v.xCurrentTime = ScriptedTime;
    v.xCurrentTimeInt64 = ScriptedTimeInt64;
    return v;
  }();
  static const bool registered = sqlite3_vfs_register(&vfs, /*makeDflt=*/1) == SQLITE_OK;
  ASSERT_TRUE(registered);
}

// ---- the two databases ----

// A schema-6 file with rows of every entity and a feed whose sequence is past
// its last row (compaction left it so).
void WriteSchema6File(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& m : store::EmbeddedMigrations()) {
    if (m.version <= 6) db.exec(m.sql);
  }
  db.exec("PRAGMA user_version = 6; PRAGMA foreign_keys = ON;");
  g_unix_ms = 1'700'000'000'000;
  db.exec(
      "INSERT INTO sessions (id, name, root, pid, tmux_session, created_at, updated_at, "
      "last_seen, ttl_ms, meta, activity, tmux_pane, branch) VALUES "
      "('old1', 'old-one', '/w', 41, 'tm', 1000, 1000, 1000, 60000, '{\"model\":\"m\"}', "
      "'working', '%1', 'main'), "
      "('old2', 'old-two', '/w', NULL, NULL, 1000, 1000, 1000, 60000, '{}', NULL, NULL, NULL)");
  db.exec(
      "INSERT INTO pauses (session_id, paused_at, summary, note) VALUES ('old2', 1500, 's', 'n')");
  db.exec("UPDATE sessions SET status = 'paused' WHERE id = 'old2'");
  db.exec(
      "INSERT INTO log_entries (session_id, seq, epoch, ts, kind, body) VALUES "
      "('old1', 1, 1, 1100, 'prompt', '{\"prompt\":\"hi\"}'), "
      "('old1', 2, 1, 1200, 'tool', '[1, 2.5e3, \"x\"]'), ('old2', 1, 1, 1300, 'k', '\"t\"')");
  db.exec("INSERT INTO teams VALUES ('proj', '/w', 'px-', 1000, 1000)");
  db.exec("INSERT INTO team_agents VALUES ('proj', '/w', 'dev', 1000), ('proj', '/w', 'qa', 1000)");
  db.exec("INSERT INTO meta (key, value) VALUES ('feed_id', 'f-6')");
  db.exec("UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'changes'");
}

struct Side {
  std::string path;
  std::shared_ptr<int64_t> now;
  std::shared_ptr<FakeProbe> probe = std::make_shared<FakeProbe>();
  std::unique_ptr<store::Registry> reg;

  Side(std::string p, std::shared_ptr<int64_t> clock) : path(std::move(p)), now(std::move(clock)) {
    auto conn = store::Connection::Open({.path = path});
    if (!conn.ok()) throw std::runtime_error(conn.status().ToString());
    auto n = now;
    reg = std::make_unique<store::Registry>(
        std::move(conn).value(),
        store::RegistryOptions{.clock = [n] { return *n; }, .probe = probe});
  }
};

// Every change the daemon's operations make, and the shell writes it cannot:
// inserts, updates and deletes of every entity; heartbeats that are changes
// and heartbeats that are not; pause, resume and a stop that ends a pause;
// team up, an idempotent re-up, a re-up that changes agents, team down (its
// agents cascade); log append, rotate and trim; expiry, dead processes,
// branches, purge, remove and reap (logs and pauses cascade); deletes with
// foreign keys off; compaction.
void Workload(Side& s, const std::function<void()>& tick) {
  auto ok = [](const auto& r) { ASSERT_TRUE(r.ok()) << testing::Describe(r); };
  store::Registry& r = *s.reg;
  s.probe->processes = {{7, 70}, {8, 80}};
  s.probe->tmux = std::set<std::string>{"tm"};
  tick();
  ok(r.Register({.id = "a",
                 .name = "alpha",
                 .root = "/r",
                 .pid = 7,
                 .tmux_session = "tm",
                 .meta = json::parse(R"({"model":"m","n":1.5,"deep":{"x":[1,null]}})").as_object(),
                 .tmux_pane = "%2",
                 .tmux_socket = "/tmp/s",
                 .activity = "working",
                 .branch = "main"}));
  ok(r.Register({.id = "b", .name = "beta", .ttl_ms = 5'000}));
  ok(r.Register({.id = "c", .name = "gamma", .pid = 8}));
  ok(r.Register({.id = "we\"ird:id", .name = "weird"}));
  tick();
  ok(r.Heartbeat({.session = "a"}));  // a pure heartbeat: no change
  ok(r.Heartbeat({.session = "b"}));
  ok(r.Heartbeat({.session = "beta", .status = "idle"}));
  ok(r.Heartbeat({.session = "a", .meta = json::parse(R"({"n":2})").as_object()}));
  ok(r.Heartbeat({.session = "a", .activity = "waiting_input"}));
  ok(r.Update({.session = "gamma", .root = "/elsewhere", .ttl_ms = 9'000}));
  ok(r.SetBranches({{.id = "c", .from = std::nullopt, .to = "dev"}}));
  tick();
  ok(r.LogAppend("alpha", "prompt", json::parse(R"({"prompt":"go"})")));
  ok(r.LogAppend("a", "tool", json::parse(R"([1, "two", {"three": 3}])")));
  ok(r.LogAppend("weird", "k\"q", json::value("text \"quoted\" ✓")));
  ok(r.LogRotate("a", "compact", json::value(nullptr)));
  ok(r.LogAppend("a", "after", json::value(1)));
  ok(r.LogAppend("old1", "more", json::value(3)));
  tick();
  ok(r.Pause("alpha", std::string("note")));
  ok(r.Resume("alpha"));
  ok(r.Pause("beta", std::nullopt, std::string("pane lines")));
  ok(r.Stop("beta", std::string("done")));  // ends the pause
  ok(r.Resume("old-two"));
  tick();
  ok(r.TeamUp({.project_id = "web", .root = "/r", .tmux_prefix = "pa-", .agents = {"dev", "qa"}}));
  ok(r.TeamUp({.project_id = "web", .root = "/r", .tmux_prefix = "pa-", .agents = {"dev", "qa"}}));
  tick();
  ok(r.TeamUp({.project_id = "web", .root = "/r", .tmux_prefix = "pb-", .agents = {"dev", "ops"}}));
  ok(r.TeamUp({.project_id = "api", .root = "/r", .agents = {"one"}}));
  ok(r.TeamDown("/r", std::string("web")));
  ok(r.TeamDown("/w", std::nullopt));
  tick();
  // The shell's writes: updates no operation makes, deletes of single rows.
  SQLite::Database shell(s.path, SQLite::OPEN_READWRITE);
  shell.exec("PRAGMA foreign_keys = ON");
  shell.exec("UPDATE log_entries SET kind = 'edited', body = '{ \"a\" : 1 }' WHERE seq = 2");
  shell.exec("UPDATE team_agents SET added_at = added_at + 1");
  shell.exec("UPDATE pauses SET note = 'edited' WHERE session_id = 'a'");
  shell.exec("UPDATE teams SET tmux_prefix = 'pc-'");
  shell.exec("UPDATE teams SET updated_at = updated_at + 1");  // not a change
  shell.exec("DELETE FROM pauses WHERE session_id = 'old2'");
  shell.exec("DELETE FROM log_entries WHERE session_id = 'old1' AND seq = 1");
  shell.exec(
      "INSERT INTO team_agents (project_id, root, agent, added_at) VALUES ('api', '/r', 'two', 5)");
  shell.exec("DELETE FROM team_agents WHERE agent = 'two'");
  tick();
  // Expiry (b is stopped; a session past its TTL turns stale), dead processes.
  ok(r.Register({.id = "d", .name = "delta", .ttl_ms = 1}));
  *s.now += 10;
  tick();
  ok(r.ExpireSessions(100));
  s.probe->processes.erase(8);
  std::string cursor;
  auto dead = r.FindDeadProcesses(&cursor, 100);
  ok(dead);
  ok(r.MarkProcessesExited(*dead));
  ok(r.GrantRestartGrace());  // not a change
  tick();
  // Trim keeps each session's newest entry; purge and remove cascade.
  *s.now += 100'000;
  tick();
  ok(r.TrimLogs(50'000, std::numeric_limits<int64_t>::max(), 100));
  ok(r.PurgeSessions(50'000, 100));
  ok(r.LogAppend("alpha", "k", json::value(9)));
  ok(r.Pause("alpha", std::string("again")));
  ok(r.Remove("alpha"));
  ok(r.Register({.id = "e", .name = "epsilon"}));
  ok(r.Stop("epsilon", std::nullopt));
  ok(r.Reap());
  tick();
  // A delete with foreign keys off leaves its log behind, as before.
  ok(r.LogAppend("weird", "k", json::value(2)));
  SQLite::Database loose(s.path, SQLite::OPEN_READWRITE);
  loose.exec("DELETE FROM sessions WHERE id = 'we\"ird:id'");
  loose.exec("DELETE FROM log_entries WHERE session_id = 'we\"ird:id' AND seq = 1");
  tick();
  ok(r.Register({.id = "f", .name = "phi"}));
  ok(r.CompactChanges(3'600'000, 30, 5));
  ok(r.Register({.id = "g", .name = "gee"}));
}

// Every row of `sql` in the file at `path`, one line each.
std::string Dump(const std::string& path, const std::string& sql) {
  SQLite::Database db(path);
  return testing::Rows(db, sql);
}

TEST(FeedCompat, CurrentTriggersWriteTheSameFeedAsSchema6s) {
  ScriptSqliteClock();
  TempDir dir;
  const std::string old_path = dir.File("old.db"), new_path = dir.File("new.db");
  WriteSchema6File(old_path);
  std::filesystem::copy_file(old_path, new_path);
  {
    SQLite::Database db(old_path, SQLite::OPEN_READWRITE);
    db.exec(
        "ALTER TABLE sessions ADD COLUMN host TEXT; ALTER TABLE pauses ADD COLUMN host TEXT; "
        "ALTER TABLE teams ADD COLUMN host TEXT; ALTER TABLE teams ADD COLUMN root_gone_at "
        "INTEGER; CREATE TABLE hosts (host TEXT PRIMARY KEY, "
        "hostname TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL, last_seen INTEGER NOT "
        "NULL) STRICT; CREATE INDEX sessions_unclaimed ON sessions (id) WHERE host IS NULL;");
    db.exec("PRAGMA user_version = " + std::to_string(store::LatestSchemaVersion()));
  }
  auto now = std::make_shared<int64_t>(1'700'000'100'000);
  Side old_side(old_path, now), new_side(new_path, now);
  EXPECT_NE(Dump(old_path, "SELECT sql FROM sqlite_schema WHERE name = 'sessions_insert'"),
            Dump(new_path, "SELECT sql FROM sqlite_schema WHERE name = 'sessions_insert'"));
  const int64_t start = *now;
  const std::string history =  // the feed the schema-6 file came with
      Dump(new_path, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
  for (Side* side : {&old_side, &new_side}) {
    *now = start;
    // Each step moves both clocks by a millisecond and a bit, so every
    // statement's ts is its own.
    Workload(*side, [&] {
      *now += 3;
      g_unix_ms = *now + 1;
    });
  }
  const std::string changes =
      "SELECT rev, ts, entity, op, key, session_id, data FROM changes "
      "ORDER BY rev";
  const std::string old_feed = Dump(old_path, changes);
  EXPECT_EQ(Dump(new_path,
                 "SELECT rev, ts, entity, op, key, session_id, CASE WHEN entity IN ('session', "
                 "'pause', 'team') THEN json_remove(data, '$.host') ELSE data END FROM changes "
                 "ORDER BY rev"),
            old_feed);
  // ... where the current triggers write it.
  EXPECT_EQ(Dump(new_path,
                 "SELECT count(*) FROM changes WHERE entity IN ('session', 'pause', 'team') "
                 "AND json_type(data, '$.host') IS NULL AND rev > " +
                     history.substr(0, history.find('|'))),
            "0|\n");
  EXPECT_GT(std::count(old_feed.begin(), old_feed.end(), '\n'), 60);
  for (const char* entity : {"session", "pause", "team", "team_agent", "log"}) {
    for (const char* op : {"insert", "update", "delete"}) {
      EXPECT_NE(old_feed.find(std::string("|") + entity + "|" + op + "|"), std::string::npos)
          << entity << " " << op;
    }
  }
  for (const char* sql :
       {"SELECT * FROM sqlite_sequence WHERE name = 'changes'", "SELECT * FROM sessions",
        "SELECT * FROM pauses", "SELECT * FROM teams", "SELECT * FROM team_agents",
        "SELECT * FROM log_entries", "SELECT * FROM session_counts", "SELECT * FROM meta"}) {
    EXPECT_EQ(Dump(new_path, std::string(sql) + " ORDER BY 1, 2"),
              Dump(old_path, std::string(sql) + " ORDER BY 1, 2"))
        << sql;
  }
  EXPECT_EQ(Dump(new_path, "SELECT count(*) FROM feed_deleting"), "0|\n");
}

}  // namespace
}  // namespace roster

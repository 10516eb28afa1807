// entities_test.cc — the entity table (core/entities.h) and the schema agree:
// every entity has its row in `entities`, its table, its feed view and its
// triggers; every table is exported or deliberately not; snapshots follow the
// table. And migration 0007, which rebuilt `changes`, keeps every row and rev
// and is all or nothing.
#include "core/entities.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <set>

#include "sql_text.h"
#include "store/file_tools.h"
#include "store/migrations.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using testing::Rows;
using testing::TempDir;
using Names = std::set<std::string>;

Names Column(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  Names out;
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

// A row of every entity.
void AddOneOfEach(RegistryHarness& h) {
  ASSERT_OK(h.reg->Register({.id = "s", .name = "s"}));
  ASSERT_OK(h.reg->LogAppend("s", "k", json::value(1)));
  ASSERT_OK(h.reg->Pause("s", std::nullopt));
  ASSERT_OK(h.reg->TeamUp({.project_id = "p", .root = "/r", .agents = {"a"}}));
}

TEST(Entities, EachHasItsRowTableViewAndTriggers) {
  RegistryHarness h;
  AddOneOfEach(h);
  SQLite::Database db(h.db);
  Names rows;
  for (const Entity* e : kEntities) {
    const std::string name(e->name), table(e->table), view(e->view);
    rows.insert(name + " " + table + " " + view);
    EXPECT_EQ(Column(db,
                     "SELECT name FROM pragma_table_list WHERE type = "
                     "'table' AND name = '" +
                         table + "'"),
              Names{table});
    EXPECT_EQ(Column(db, "SELECT name FROM pragma_table_info('" + view + "')"),
              (Names{"entity", "key", "session_id", "data", "rowid"}))
        << view;
    EXPECT_EQ(Column(db, "SELECT DISTINCT entity FROM " + view), Names{name}) << view;
    EXPECT_EQ(Column(db,
                     "SELECT DISTINCT entity FROM changes WHERE key IN "
                     "(SELECT key FROM " +
                         view + ")"),
              Names{name})
        << view;
    // One trigger per kind of write, each reading the entity's view (a
    // delete from a table with dependants: two, see feed_deleting).
    for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
      Names readers = Column(db,
                             "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND "
                             "tbl_name = '" +
                                 table + "' AND sql LIKE '% " + event +
                                 " %' AND "
                                 "(sql LIKE '%FROM " +
                                 view + " %' OR sql LIKE '%FROM feed_deleting%')");
      EXPECT_FALSE(readers.empty()) << table << " " << event;
    }
  }
  EXPECT_EQ(Column(db, "SELECT name || ' ' || table_name || ' ' || feed_view FROM entities"), rows);
}

TEST(Entities, EveryTableIsExportedOrDeliberatelyNot) {
  RegistryHarness h;
  SQLite::Database db(h.db);
  const Names tables = Column(db,
                              "SELECT name FROM pragma_table_list WHERE schema = 'main' AND "
                              "type = 'table' AND name NOT LIKE 'sqlite_schema'");
  Names listed;
  for (const auto& t : store::ExportTables()) {
    EXPECT_TRUE(listed.insert(t).second) << t << " listed twice";
  }
  for (const Entity* e : kEntities) {
    EXPECT_TRUE(listed.count(std::string(e->table))) << e->table << " is not exported";
  }
  for (std::string_view t : store::kNotExported) {
    EXPECT_TRUE(listed.insert(std::string(t)).second) << t << " is exported and excluded";
  }
  EXPECT_EQ(listed, tables) << "a table must be exported or named in kNotExported";
}

TEST(Entities, SnapshotsFollowTheTable) {
  RegistryHarness h;
  AddOneOfEach(h);
  auto entities_of = [](const store::Registry::Snapshot& snap) {
    std::vector<std::string> out;
    for (const auto& c : snap.rows) {
      if (out.empty() || out.back() != c.entity) out.push_back(c.entity);
    }
    return out;
  };
  std::vector<std::string> defaults;
  for (const Entity* e : kEntities) {
    if (e->in_default_snapshot) defaults.emplace_back(e->name);
  }
  auto all = h.reg->ReadSnapshot({}, std::nullopt);
  ASSERT_OK(all);
  EXPECT_EQ(entities_of(*all), defaults);
  auto asked = h.reg->ReadSnapshot({"log", "session"}, std::nullopt);
  ASSERT_OK(asked);
  EXPECT_EQ(entities_of(*asked), (std::vector<std::string>{"log", "session"}));
  auto of_s = h.reg->ReadSnapshot({"team", "session"}, std::string("s"));
  ASSERT_OK(of_s);
  EXPECT_EQ(entities_of(*of_s), (std::vector<std::string>{"session"}));  // teams have no session
  auto bad = h.reg->ReadSnapshot({"session", "task"}, std::nullopt);
  EXPECT_EQ(bad.status().code(), Code::kInvalidParams);
  EXPECT_NE(bad.status().message().find("'task'"), std::string::npos);
  EXPECT_EQ(FindEntity("task"), nullptr);
  EXPECT_EQ(FindEntity("team_agent"), &kTeamAgentEntity);
  std::string joined;
  for (const Entity* e : kEntities) joined += (joined.empty() ? "" : ", ") + std::string(e->name);
  EXPECT_EQ(EntityNames(", "), joined);
}

// A schema-6 file, with whatever `extra` SQL adds.
void WriteVersion6(const std::string& path, const std::string& extra) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& m : store::EmbeddedMigrations()) {
    if (m.version <= 6) db.exec(m.sql);
  }
  db.exec("PRAGMA user_version = 6");
  db.exec(extra);
}

const char* const kFeed = "SELECT * FROM changes ORDER BY rev";
const char* const kPosition = "SELECT seq FROM sqlite_sequence WHERE name = 'changes'";

TEST(Entities, MigratingAVersion6FeedKeepsEveryRowRevAndItsPosition) {
  TempDir dir;
  struct Case {
    const char* name;
    const char* sql;  // on top of a schema-6 file
  } cases[] = {
      // rows, a gap, and a position past the last row (compaction left it so)
      {"rows",
       "INSERT INTO sessions (id, name, created_at, updated_at, "
       "last_seen, ttl_ms) "
       "VALUES ('a', 'a', 1, 1, 1, 10), ('b', 'b', 1, 1, 1, 10), ('c', "
       "'c', 1, 1, 1, 10);"
       "INSERT INTO teams VALUES ('p', '/r', '', 1, 1);"
       "DELETE FROM changes WHERE rev IN (2, 4);"
       "UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'changes'"},
      // every row compacted: only the position is left
      {"empty",
       "INSERT INTO sessions (id, name, created_at, updated_at, "
       "last_seen, ttl_ms) "
       "VALUES ('a', 'a', 1, 1, 1, 10); DELETE FROM changes;"
       "UPDATE sqlite_sequence SET seq = 77 WHERE name = 'changes'"},
  };
  for (const auto& c : cases) {
    const std::string path = dir.File(std::string(c.name) + ".db");
    WriteVersion6(path, c.sql);
    std::string feed, position;
    {
      SQLite::Database db(path);
      feed = Rows(db, kFeed);
      position = Rows(db, kPosition);
    }
    ASSERT_TRUE(store::Connection::Open({.path = path}).ok()) << c.name;
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), store::LatestSchemaVersion());
    EXPECT_EQ(Rows(db, kFeed), feed) << c.name;
    EXPECT_EQ(Rows(db, kPosition), position) << c.name;
    db.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, "
        "last_seen, ttl_ms) "
        "VALUES ('new', 'new', 1, 1, 1, 10)");
    EXPECT_EQ(Rows(db, "SELECT max(rev) FROM changes"),
              std::to_string(std::stoll(position) + 1) + "|\n")
        << c.name;
  }
}

TEST(Entities, AMigrationThatFailsLeavesTheFileAsItWas) {
  TempDir dir;
  const std::string path = dir.File("v6.db");
  // A name the migration wants for itself, taken: its CREATE TABLE, which
  // runs after `changes` was rebuilt, fails.
  WriteVersion6(path,
                "INSERT INTO sessions (id, name, created_at, updated_at, "
                "last_seen, ttl_ms) "
                "VALUES ('a', 'a', 1, 1, 1, 10), ('b', 'b', 1, 1, 1, 10);"
                "UPDATE sqlite_sequence SET seq = 9 WHERE name = 'changes';"
                "CREATE VIEW feed_deleting AS SELECT 1 AS one");
  const std::string schema = "SELECT type, name, sql FROM sqlite_schema ORDER BY name";
  std::string before_schema, before_feed, before_position;
  {
    SQLite::Database db(path);
    before_schema = Rows(db, schema);
    before_feed = Rows(db, kFeed);
    before_position = Rows(db, kPosition);
  }
  auto opened = store::Connection::Open({.path = path});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message().find("already exists"), std::string::npos)
      << "SQLite's own text: " << opened.status().message();
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 6);
  EXPECT_EQ(Rows(db, schema), before_schema);
  EXPECT_EQ(Rows(db, kFeed), before_feed);
  EXPECT_EQ(Rows(db, kPosition), before_position);
}

}  // namespace
}  // namespace roster

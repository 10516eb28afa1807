// entities_test.cc — the entity table (core/entities.h) and what follows it:
// every table is exported or deliberately not; snapshots follow the table.
#include "core/entities.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <set>

#include "store/file_tools.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
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

}  // namespace
}  // namespace roster

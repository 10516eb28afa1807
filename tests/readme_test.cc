// readme_test.cc — the README's "Querying with sqlite3" examples run against a
// real database with sessions, pauses, teams and logs in it.
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "test_util.h"

namespace roster {
namespace {

std::vector<std::string> SqlBlocks() {
  std::ifstream in(ROSTER_SOURCE_DIR "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::string> blocks;
  std::regex fence("```sql\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(text.begin(), text.end(), fence), end; it != end; ++it) {
    blocks.push_back((*it)[1]);
  }
  return blocks;
}

TEST(Readme, SqlExamplesRunAgainstTheSchema) {
  testing::RegistryHarness h;
  *h.now = store::Registry::SystemNowMs();  // the views compare with the real clock
  ASSERT_OK(h.reg->Register({.name = "alpha",
                             .root = "/src/app",
                             .meta = json::parse(R"({"model":"opus"})").as_object()}));
  ASSERT_OK(h.reg->Register({.name = "beta", .ttl_ms = 1}));
  ASSERT_OK(h.reg->LogAppend("alpha", "note", json::parse(R"({"text":"green"})")));
  ASSERT_OK(h.reg->Register({.name = "gamma"}));
  ASSERT_OK(h.reg->Pause("gamma", std::string("review")));
  ASSERT_OK(h.reg->TeamUp(
      {.project_id = "web", .root = "/src/app", .tmux_prefix = "r-", .agents = {"dev"}}));
  *h.now += 10;
  ASSERT_OK(h.reg->ExpireSessions(10));
  auto blocks = SqlBlocks();
  ASSERT_GE(blocks.size(), 2u);
  SQLite::Database db(h.db, SQLite::OPEN_READWRITE);
  for (const auto& sql : blocks) {
    EXPECT_NO_THROW(db.exec(sql)) << sql;
  }
  EXPECT_EQ(db.execAndGet("SELECT name FROM live_sessions").getString(), "alpha");
  EXPECT_EQ(db.execAndGet("SELECT note FROM open_pauses").getString(), "review");
  EXPECT_EQ(db.execAndGet("SELECT tmux_session FROM team_roster").getString(), "r-web-dev");
  EXPECT_EQ(
      db.execAndGet("SELECT status_reason FROM sessions_view WHERE status = 'stale'").getString(),
      "ttl");
}

}  // namespace
}  // namespace roster

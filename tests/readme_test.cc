// readme_test.cc — the README's "Querying with sqlite3" examples run against a
// real database with sessions, pauses, teams and logs in it, and its
// configuration table matches the settings table rosterd checks against.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "daemon/config.h"
#include "daemon/settings.h"
#include "test_util.h"

namespace roster {
namespace {

std::string Readme() {
  std::ifstream in(ROSTER_SOURCE_DIR "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SqlBlocks() {
  std::string text = Readme();
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

// Every setting has one row in the README's configuration table, with the
// default and the range rosterd uses, and the table has no other rows.
TEST(Readme, ConfigurationTableMatchesTheSettings) {
  const std::string text = Readme();
  const size_t from = text.find("### Configuration");
  ASSERT_NE(from, std::string::npos);
  const std::string section = text.substr(from, text.find("\n### ", from + 1) - from);
  std::map<std::string, std::pair<std::string, std::string>> rows;  // key -> default, range
  std::regex row(R"(\n\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|)");
  for (std::sregex_iterator it(section.begin(), section.end(), row), end; it != end; ++it) {
    rows[(*it)[1]] = {(*it)[2], (*it)[3]};
  }
  for (const auto& s : daemon::Settings()) {
    const std::string key(s.key);
    ASSERT_TRUE(rows.count(key)) << "README lacks a row for " << key;
    EXPECT_EQ(rows[key].first, daemon::DefaultText(s)) << key;
    EXPECT_EQ(rows[key].second, daemon::RangeText(s)) << key;
    rows.erase(key);
  }
  for (const auto& [key, cells] : rows) ADD_FAILURE() << "README documents unknown setting " << key;
}

// The defaults are inside their own ranges.
TEST(Settings, EveryDefaultIsInItsRange) {
  const daemon::DaemonConfig c = daemon::DefaultConfig();
  for (const auto& s : daemon::Settings()) {
    if (s.type == daemon::Setting::Type::kInt) {
      EXPECT_GE(s.get_int(c), s.min) << s.key;
      EXPECT_LE(s.get_int(c), s.max) << s.key;
    } else if (s.type == daemon::Setting::Type::kChoice) {
      EXPECT_NE(std::find(s.choices.begin(), s.choices.end(), s.get_text(c)), s.choices.end())
          << s.key;
    }
  }
  EXPECT_TRUE(daemon::CheckConfig(c).ok());
}

}  // namespace
}  // namespace roster

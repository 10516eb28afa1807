// teams_test.cc — team rules: idempotent up, the one-live-root conflict,
// down, list, roster, orphans and stale teams, with their change rows.
#include <fstream>

#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using V = std::vector<std::string>;

// Makes `root` live by creating its compose marker (directly or under .team/).
std::string LiveRoot(RegistryHarness& h, const std::string& name, bool under_team = false) {
  auto root = h.dir.path() / name;
  std::filesystem::create_directories(under_team ? root / ".team" : root);
  std::ofstream(under_team ? root / ".team" / "team-compose.yaml" : root / "team-compose.yaml")
      << "agents: []\n";
  return root.string();
}

TEST(TeamStore, UpIsAnIdempotentUpsertThatKeepsStartedAt) {
  RegistryHarness h;
  auto t = h.reg->TeamUp(
      {.project_id = "web", .root = "/r", .tmux_prefix = "rs-", .agents = {"dev", "qa"}});
  ASSERT_OK(t);
  EXPECT_EQ(t->agents, (V{"dev", "qa"}));
  EXPECT_EQ(t->started_at, 1'000'000);
  EXPECT_EQ(h.ChangesAfter(0), (V{"team insert web@/r", "team_agent insert web@/r:dev",
                                  "team_agent insert web@/r:qa"}));
  int64_t rev = h.Rev();
  *h.now += 500;
  auto again = h.reg->TeamUp({.project_id = "web", .root = "/r", .agents = {"dev", "qa"}});
  ASSERT_OK(again);
  EXPECT_EQ(again->started_at, 1'000'000);
  EXPECT_EQ(again->updated_at, 1'000'500);
  EXPECT_EQ(again->tmux_prefix, "rs-");
  EXPECT_EQ(h.ChangesAfter(rev), V{});  // nothing changed but updated_at
  auto refreshed = h.reg->TeamUp({.project_id = "web", .root = "/r", .agents = {"qa", "ops"}});
  ASSERT_OK(refreshed);
  EXPECT_EQ(refreshed->agents, (V{"ops", "qa"}));
  EXPECT_EQ(h.ChangesAfter(rev),
            (V{"team_agent delete web@/r:dev", "team_agent insert web@/r:ops"}));
}

TEST(TeamStore, UpOfAProjectLiveAtAnotherRootIsConflictNamingIt) {
  RegistryHarness h;
  std::string a = LiveRoot(h, "a", /*under_team=*/true);
  std::string b = LiveRoot(h, "b");
  ASSERT_OK(h.reg->TeamUp({.project_id = "p", .root = a, .agents = {"x"}}));
  int64_t rev = h.Rev();
  auto r = h.reg->TeamUp({.project_id = "p", .root = b, .agents = {"x"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find(a), std::string::npos);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
  std::filesystem::remove_all(std::filesystem::path(a) / ".team");  // a is no longer live
  ASSERT_OK(h.reg->TeamUp({.project_id = "p", .root = b, .agents = {"x"}}));
}

TEST(TeamStore, DownClearsARootOrOneProjectAndKeepsSiblings) {
  RegistryHarness h;
  ASSERT_OK(h.reg->TeamUp({.project_id = "p1", .root = "/r", .agents = {"a"}}));
  ASSERT_OK(h.reg->TeamUp({.project_id = "p2", .root = "/r", .agents = {"b"}}));
  ASSERT_OK(h.reg->TeamUp({.project_id = "p3", .root = "/other", .agents = {"c"}}));
  int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->TeamDown("/r", std::string("p1")).value(), 1);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"team_agent delete p1@/r:a", "team delete p1@/r"}));
  EXPECT_EQ(h.reg->TeamList(std::string("/r")).value().size(), 1u);
  EXPECT_EQ(h.reg->TeamDown("/r", std::nullopt).value(), 1);
  EXPECT_EQ(h.reg->TeamDown("/r", std::nullopt).value(), 0);
  auto all = h.reg->TeamList(std::nullopt).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].project_id, "p3");
}

TEST(TeamStore, RosterNamesTmuxSessionsFromPrefixProjectAndAgent) {
  RegistryHarness h;
  ASSERT_OK(h.reg->TeamUp(
      {.project_id = "api", .root = "/r", .tmux_prefix = "rs-", .agents = {"lead", "dev"}}));
  auto roster = h.reg->TeamRoster("/r");
  ASSERT_OK(roster);
  ASSERT_EQ(roster->size(), 2u);
  EXPECT_EQ((*roster)[0].agent, "dev");
  EXPECT_EQ((*roster)[0].tmux_session, "rs-api-dev");
  EXPECT_EQ((*roster)[1].tmux_session, "rs-api-lead");
  EXPECT_TRUE(h.reg->TeamRoster("/nowhere").value().empty());
}

TEST(TeamStore, OrphansAreRecordedAgentsNotDesiredScopedAndNoneOnPerAgentTeardown) {
  RegistryHarness h;
  ASSERT_OK(h.reg->TeamUp({.project_id = "p", .root = "/r", .agents = {"a", "b", "c"}}));
  ASSERT_OK(h.reg->TeamUp({.project_id = "q", .root = "/r", .agents = {"z"}}));
  auto agents = [](const std::vector<RosterEntry>& v) {
    V out;
    for (const auto& e : v) out.push_back(e.project_id + ":" + e.agent);
    return out;
  };
  EXPECT_EQ(agents(h.reg->TeamOrphans({.root = "/r", .desired = {"p:a"}}).value()),
            (V{"p:b", "p:c", "q:z"}));
  EXPECT_EQ(
      agents(h.reg->TeamOrphans({.root = "/r", .desired = {"p:a"}, .project_id = "p"}).value()),
      (V{"p:b", "p:c"}));
  EXPECT_TRUE(h.reg->TeamOrphans({.root = "/r", .desired = {}, .per_agent = true}).value().empty());
  EXPECT_EQ(h.reg->TeamOrphans({.root = "/r", .desired = {"noseparator"}}).status().code(),
            Code::kInvalidParams);
}

TEST(TeamStore, StaleTeamsAreThoseWhoseRootLostItsMarker) {
  RegistryHarness h;
  std::string live = LiveRoot(h, "live");
  ASSERT_OK(h.reg->TeamUp({.project_id = "p", .root = live, .agents = {"a"}}));
  ASSERT_OK(h.reg->TeamUp({.project_id = "q", .root = "/gone", .agents = {"a"}}));
  auto stale = h.reg->TeamStale();
  ASSERT_OK(stale);
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_EQ((*stale)[0].root, "/gone");
}

TEST(TeamStore, UpRejectsMissingFields) {
  RegistryHarness h;
  EXPECT_EQ(h.reg->TeamUp({.project_id = "", .root = "/r"}).status().code(), Code::kInvalidParams);
  EXPECT_EQ(h.reg->TeamUp({.project_id = "p", .root = ""}).status().code(), Code::kInvalidParams);
  EXPECT_EQ(h.reg->TeamUp({.project_id = "p", .root = "/r", .agents = {""}}).status().code(),
            Code::kInvalidParams);
  EXPECT_EQ(h.Rev(), 0);
}

}  // namespace
}  // namespace roster

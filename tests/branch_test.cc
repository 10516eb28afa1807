// branch_test.cc — each session shows the git branch its agent works on: read
// at registration, kept current when someone switches branches under a quiet
// agent (one feed event per switch, none when nothing changed), worktrees,
// subdirectories and a detached HEAD included. Real git repositories, the
// real daemon, and `rosterctl ls`.
#include <thread>

#include "hook_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::kRosterctl;
using testing::RpcClient;
namespace bj = boost::json;

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << cmd << ": " << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(Branch, EachSessionShowsItsRootsBranchAndFollowsASwitch) {
  Daemon d;
  d.Config({{"cleanup_interval_ms", 50}, {"branch_interval_ms", 100}});
  d.Start();
  const std::string repo = d.dir().File("repo"), wt = d.dir().File("wt");
  const std::string git = "git -c user.name=t -c user.email=t@example.com -C " + repo + " ";
  Shell("git -c init.defaultBranch=main init -q " + repo);
  Shell(git + "commit -q --allow-empty -m first");
  Shell(git + "worktree add -q -b feature/parser " + wt);
  std::filesystem::create_directories(repo + "/src/deep");
  RpcClient rpc = d.Client();
  EXPECT_EQ(rpc.Ok("session.register", {{"name", "main-agent"}, {"root", repo}}).at("branch"),
            "main");
  EXPECT_EQ(
      rpc.Ok("session.register", {{"name", "deep"}, {"root", repo + "/src/deep"}}).at("branch"),
      "main");
  EXPECT_EQ(rpc.Ok("session.register", {{"name", "wt-agent"}, {"root", wt}}).at("branch"),
            "feature/parser");
  EXPECT_TRUE(rpc.Ok("session.register", {{"name", "nogit"}, {"root", d.dir().File("none")}})
                  .at("branch")
                  .is_null());

  RpcClient watcher = d.Client();
  const bj::value w = watcher.Ok("watch", {{"entities", bj::array{"session"}}});
  Shell(git + "checkout -q -b topic");  // someone switches under the quiet agent
  bj::value s;
  for (int i = 0; i < 100; ++i) {
    s = rpc.Ok("session.get", {{"session", "main-agent"}});
    if (s.at("branch") == "topic") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(s.at("branch"), "topic");
  EXPECT_EQ(rpc.Ok("session.get", {{"session", "wt-agent"}}).at("branch"), "feature/parser");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // several more sweeps
  std::map<std::string, int> events;                            // session name -> branch events
  for (bj::value n = watcher.Next(300); !n.is_null(); n = watcher.Next(300)) {
    if (n.at("method") != "watch.event") continue;
    events[std::string(n.at("params").at("data").at("name").as_string())]++;
  }
  EXPECT_EQ(events["main-agent"], 1);  // one switch, one event
  EXPECT_EQ(events["deep"], 1);
  EXPECT_EQ(events.count("wt-agent"), 0u);  // nothing changed there: no event
  EXPECT_EQ(events.count("nogit"), 0u);

  Shell(git + "checkout -q --detach");
  const std::string sha = Shell(git + "rev-parse --short=7 HEAD");
  for (int i = 0; i < 100; ++i) {
    s = rpc.Ok("session.get", {{"session", "main-agent"}});
    if (s.at("branch") != "topic") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(s.at("branch"), ("detached:" + sha).c_str());
  const std::string ls =
      Shell("ROSTER_SOCKET=" + d.socket() + " COLUMNS=200 " + kRosterctl + " ls");
  EXPECT_NE(ls.find("BRANCH"), std::string::npos) << ls;
  EXPECT_NE(ls.find("detached:" + sha), std::string::npos) << ls;
  EXPECT_NE(ls.find("feature/parser"), std::string::npos) << ls;
}

}  // namespace
}  // namespace roster

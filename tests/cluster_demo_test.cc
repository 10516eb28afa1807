// cluster_demo_test.cc — tools/cluster-demo.sh as a person runs it: three
// members start on 127.0.0.1 and the script prints how to reach each; a
// write through one member is read through another; Ctrl-C (SIGINT) stops
// the three members and removes the demo's directory.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "cli_harness.h"

namespace roster {
namespace {

using testing::Ran;
using testing::ShIn;
using testing::TempDir;

TEST(ClusterDemo, StartsThreeMembersServesAWriteAndStopsOnCtrlC) {
  TempDir here;
  const int port = client::FreeLoopbackPorts(6);
  client::DaemonProcess demo;
  const std::string out = here.File("demo.out");
  // As a person starts it: its banner and the members' logs in `out`.
  const std::string command = "exec /bin/bash " ROSTER_SOURCE_DIR
                              "/tools/cluster-demo.sh --rosterd " +
                              testing::BinaryUnderTest("ROSTER_TEST_ROSTERD", ROSTERD_PATH) +
                              " --port " + std::to_string(port) + " >" + out + " 2>&1";
  ASSERT_TRUE(demo.Spawn({.binary = "/bin/bash",
                          .args = {"-c", command},
                          .env = {{"TMPDIR", here.path().string()}}})
                  .ok());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (testing::Slurp(out).find("cluster demo ready") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string banner = testing::Slurp(out);
  ASSERT_NE(banner.find("cluster demo ready"), std::string::npos) << banner;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(banner, m, std::regex(R"(logs under (\S+)\):)"))) << banner;
  const std::string dir = m[1];
  for (int n = 1; n <= 3; ++n) {
    EXPECT_NE(banner.find("--socket " + dir + "/" + std::to_string(n) + "/roster.sock"),
              std::string::npos)
        << banner;
  }
  EXPECT_EQ(std::filesystem::status(dir + "/secret").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // A write through member 1 (the primary: it bootstrapped), read through
  // member 3's node with the dqlite shell, and the members as member 1 lists them.
  const std::string rosterctl = testing::kRosterctl;
  Ran wrote =
      ShIn(here, dir + "/1/roster.sock", rosterctl + " session register --name demo-session");
  ASSERT_EQ(wrote.code, 0) << wrote.err;
  Ran read = ShIn(
      here, dir + "/1/roster.sock",
      "dqlite -s 127.0.0.1:" + std::to_string(port + 4) + " roster \"SELECT name FROM sessions\"");
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_NE(read.out.find("demo-session"), std::string::npos) << read.out;
  Ran members = ShIn(here, dir + "/1/roster.sock", rosterctl + " cluster members");
  ASSERT_EQ(members.code, 0) << members.err;
  for (int p : {port, port + 2, port + 4}) {
    EXPECT_NE(members.out.find("127.0.0.1:" + std::to_string(p)), std::string::npos) << members.out;
  }

  // Ctrl-C: the three members stop and the directory goes.
  ::kill(demo.pid(), SIGINT);
  EXPECT_EQ(demo.Wait(30'000), 0) << testing::Slurp(out);
  EXPECT_NE(testing::Slurp(out).find("stopped; " + dir + " removed"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir));
  ASSERT_TRUE(std::regex_search(banner, m, std::regex(R"(member pids: (\d+) (\d+) (\d+))")))
      << banner;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_NE(::kill(std::stoi(m[i]), 0), 0) << "member " << i << " still runs";
  }
}

}  // namespace
}  // namespace roster

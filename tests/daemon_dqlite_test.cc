// daemon_dqlite_test.cc — what only the dqlite engine has, through the real
// rosterd with its embedded node: a client of the node vanishing mid-answer
// (libdqlite writes without MSG_NOSIGNAL), results in many parts (dqlite sets
// no TCP_NODELAY), the node's data owned by one daemon, and the settings it
// refuses. The shared suite (API, watch, bad input, expiry, kill -9) runs on
// it too, parameterised (Engines/…/dqlite).
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_harness.h"
#include "store/dqlite/conn.h"
#include "store/dqlite/wire.h"
#include "store/dqlite_engine.h"

namespace roster {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::Engine;
using testing::RpcClient;
namespace bj = boost::json;
namespace dq = store::dqlite;

// A client of the node asks for a large result and vanishes before reading
// it: the node's write then fails with EPIPE, which would raise SIGPIPE and
// kill rosterd had it not ignored it. It keeps serving.
TEST(DaemonDqlite, AClientOfTheNodeVanishingMidAnswerDoesNotKillRosterd) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  for (int round = 0; round < 3; ++round) {
    auto raw = dq::Conn::Dial(d.cluster(), {}, dq::Clock::now() + 2s);
    ASSERT_TRUE(raw.ok()) << raw.error().ToString();
    dq::Encoder e;
    e.Begin(dq::Request::kOpen);
    e.Text(store::kDqliteDatabaseName);
    e.U64(0);
    e.Text("volatile");
    e.End();
    e.Begin(dq::Request::kQuerySql);
    e.U64(0);
    e.Text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
        "SELECT printf('%0200d', i) FROM n");
    e.End();
    ASSERT_TRUE((*raw)->Send(e.bytes(), {"QUERY_SQL", false}, dq::Clock::now() + 2s).ok());
    ::shutdown((*raw)->fd(), SHUT_RD);
    (*raw)->Close();  // gone before the answer
    std::this_thread::sleep_for(200ms);
  }
  RpcClient c = d.Client();
  EXPECT_EQ(c.Ok("session.register", {{"name", "alive"}}).at("name"), "alive");
  EXPECT_EQ(d.Stop(), 0);  // it was still running, and stops cleanly
}

// A log read of 1,000 entries is one result in ~60 parts of ~4 KiB, which
// the node writes one after another without TCP_NODELAY: a reader's socket
// in delayed-ACK mode would hold each part ~40 ms (2-3 s a read). rosterd's
// client quick-acks every read, so a read takes milliseconds.
TEST(DaemonDqlite, ResultsInManyPartsDoNotWaitForDelayedAcks) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "chatty"}});
  const std::string text(200, 'x');
  for (int i = 0; i < 1000; ++i) {
    c.Ok("log.append", {{"session", "chatty"}, {"kind", "k"}, {"body", {{"text", text}}}});
  }
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    auto start = std::chrono::steady_clock::now();
    bj::value r = c.Ok("log.read", {{"session", "chatty"}, {"limit", 1000}});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    ASSERT_EQ(r.at("entries").as_array().size(), 1000u);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], 40.0) << "median of " << ms.size() << " reads";
}

// The node's data belongs to one rosterd: a second one on the same data is
// refused naming the holder, before it touches the node.
TEST(DaemonDqlite, SecondDaemonOnTheSameDataExitsNamingTheHolder) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  Daemon second({"--engine", "dqlite", "--cluster", d.cluster(), "--data", d.data()});
  EXPECT_EQ(second.RunToExit(), 1);
  EXPECT_NE(second.Log().find("pid " + std::to_string(d.pid())), std::string::npos) << second.Log();
  RpcClient c = d.Client();
  EXPECT_EQ(c.Ok("status").at("engine"), "dqlite");
}

TEST(DaemonDqlite, SettingsItCannotHonourAreRefusedBeforeAnythingStarts) {
  Daemon normal({"--sync", "normal"}, Engine::kDqlite);
  EXPECT_EQ(normal.RunToExit(), 2);
  EXPECT_NE(normal.Log().find("sync"), std::string::npos) << normal.Log();
  Daemon named({"--cluster", "localhost:9001"}, Engine::kDqlite);  // the last --cluster wins
  EXPECT_EQ(named.RunToExit(), 2);
  EXPECT_NE(named.Log().find("numeric IPv4 address and port"), std::string::npos) << named.Log();
  EXPECT_FALSE(std::filesystem::exists(named.data()));
}

// The node's Raft log is the store: a clean stop and a start keep every row
// and the feed's identity, and the feed's revs continue.
TEST(DaemonDqlite, ARestartKeepsTheRowsAndTheFeed) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  std::string feed;
  {
    RpcClient c = d.Client();
    c.Ok("session.register", {{"name", "kept"}});
    feed = std::string(c.Ok("status").at("feed_id").as_string());
  }
  ASSERT_EQ(d.Stop(), 0);
  d.Start();
  RpcClient c = d.Client();
  EXPECT_EQ(c.Ok("session.get", {{"session", "kept"}}).at("status"), "active");
  bj::value status = c.Ok("status");
  EXPECT_EQ(status.at("feed_id"), feed.c_str());
  EXPECT_EQ(status.at("startup_check"), "passed");
  EXPECT_EQ(c.Ok("session.register", {{"name", "next"}}).at("name"), "next");
  EXPECT_EQ(c.Ok("status").at("rev"), 2);
}

// DATA/member.json says which node of which cluster the data directory is:
// node 1 at the address it was started with. Started with another
// --cluster, the data is refused with a sentence naming the recorded one,
// before the node starts (its Raft log names the old address).
TEST(DaemonDqlite, TheDataDirectoryRemembersItsMemberAndRefusesAnotherAddress) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  EXPECT_EQ(d.Client().Ok("status").at("node_id"), 1);
  ASSERT_EQ(d.Stop(), 0);
  std::ifstream in(d.data() + "/member.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(bj::parse(text.str()),
            bj::parse(R"({"id":1,"address":")" + d.cluster() + R"(","state":"member"})"));

  const std::string other = "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  Daemon moved({"--cluster", other, "--data", d.data()}, Engine::kDqlite);
  EXPECT_EQ(moved.RunToExit(), 1);
  EXPECT_NE(
      moved.Log().find("belongs to the member at " + d.cluster() + " (node 1, " + d.data() +
                       "/member.json), not " + other + ": start it with --cluster " + d.cluster()),
      std::string::npos)
      << moved.Log();
  d.Start();  // the right address still serves, with its rows
  EXPECT_EQ(d.Client().Ok("status").at("node_id"), 1);
}

}  // namespace
}  // namespace roster

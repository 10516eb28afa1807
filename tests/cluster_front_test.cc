// cluster_front_test.cc — the front and its relay, on real sockets: clients
// (src/client) of a front in the test process whose primary is a door in
// the test process piping to a real rosterd (the core) — with and without
// TLS; a door that refuses (not the primary), no primary at all, the core
// killed -9 and restarted under a watch and writes. A scripted core (a Unix
// socket the test answers line by line) pins down what only exact timing
// would show with a real one: a watch lost mid-snapshot, watch ids
// remapped, a stopping core's watch.error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <set>
#include <thread>

#include "cluster/door.h"
#include "cluster/front.h"
#include "cluster_fixture.h"

namespace roster::testing {
namespace {

using namespace std::chrono_literals;
using cluster::Primary;
using Clock = std::chrono::steady_clock;

std::string Cause(const json::value& response) {
  const auto* d = response.at("error").at("data").as_object().if_contains("cause");
  return d ? std::string(d->as_string()) : "";
}

// `n` session.register lines with ids 1..n, for sessions <prefix>1...
std::string Registers(int n, const std::string& prefix) {
  std::string lines;
  for (int i = 1; i <= n; ++i) {
    lines += json::serialize(client::RequestObject(i, "session.register",
                                                   {{"name", prefix + std::to_string(i)}})) +
             "\n";
  }
  return lines;
}

// front → door → rosterd.
class FrontRelay : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    core_.Start();
    if (GetParam()) tls_ = std::make_unique<TlsMaterial>(dir_);
    door_ = std::make_unique<TestDoor>(MemberConfig(dir_, "door", kSecret, tls_.get()),
                                       [this]() -> std::optional<std::string> {
                                         ++core_asked_;
                                         if (!serving_) return std::nullopt;
                                         return core_.socket();
                                       });
    where_.Set(Primary::Remote(door_->address()));
  }
  std::unique_ptr<TestFront> Front(int64_t relay_wait_ms = 500,
                                   const std::string& secret = kSecret) {
    daemon::DaemonConfig c = MemberConfig(dir_, "front", secret, tls_.get());
    c.socket_path = dir_.File("front.sock");
    c.relay_wait_ms = relay_wait_ms;
    return std::make_unique<TestFront>(c, where_.Locator());
  }

  TempDir dir_;
  Daemon core_;
  std::unique_ptr<TlsMaterial> tls_;
  std::unique_ptr<TestDoor> door_;
  Where where_;
  std::atomic<int> core_asked_{0};
  std::atomic<bool> serving_{true};
};

TEST_P(FrontRelay, CallsPipelinedCallsAndBatchesGoThrough) {
  auto front = Front();
  RpcClient c = front->Client();
  EXPECT_EQ(c.Ok("session.register", {{"name", "one"}}).at("name"), "one");
  EXPECT_EQ(c.Ok("session.get", {{"session", "one"}}).at("name"), "one");
  EXPECT_EQ(c.Reason("session.get", {{"session", "nobody"}}), "not_found");

  // 100 requests in one write, answered each once.
  c.SendRaw(Registers(100, "p"));
  std::set<int64_t> ids;
  for (int i = 0; i < 100; ++i) {
    json::value r = c.ReadResponse();
    ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
    EXPECT_TRUE(ids.insert(r.at("id").as_int64()).second);
  }
  EXPECT_EQ(ids.size(), 100u);

  // A batch, answered as one array; an id that is a string.
  c.SendRaw(R"([{"jsonrpc":"2.0","id":"a","method":"session.get","params":{"session":"p1"}},)"
            R"({"jsonrpc":"2.0","id":"b","method":"session.get","params":{"session":"zz"}},)"
            R"({"jsonrpc":"2.0","method":"status"}])"
            "\n");
  json::value batch = c.ReadResponse();
  ASSERT_TRUE(batch.is_array()) << json::serialize(batch);
  ASSERT_EQ(batch.as_array().size(), 2u);
  EXPECT_EQ(batch.at(0).at("id"), "a");
  EXPECT_EQ(batch.at(1).at("error").at("data").at("reason"), "not_found");

  // Bad input is answered as the core answers it.
  c.SendRaw("this is not json\n");
  EXPECT_EQ(c.ReadResponse().at("error").at("code"), -32700);
  // And the core has it all.
  EXPECT_EQ(core_.Client().Ok("session.get", {{"session", "p100"}}).at("name"), "p100");
}

TEST_P(FrontRelay, ALineOverMaxLineBytesIsRefusedAndClosed) {
  daemon::DaemonConfig c = MemberConfig(dir_, "front", kSecret, tls_.get());
  c.socket_path = dir_.File("front.sock");
  c.limits.max_line_bytes = 4096;
  TestFront front(c, where_.Locator());
  RpcClient client = front.Client();
  client.SendRaw(std::string(5000, 'x') + "\n");
  json::value r = client.ReadResponse();
  EXPECT_EQ(r.at("error").at("data").at("reason"), "limit_exceeded");
  EXPECT_FALSE(client.ReadLine(2000).has_value());
  EXPECT_TRUE(client.eof());
}

TEST_P(FrontRelay, ADoorThatIsNotThePrimaryIsAskedAgainThenUnavailable) {
  serving_ = false;
  auto front = Front(500);
  RpcClient c = front->Client();
  const auto t0 = Clock::now();
  json::value r = c.Call("status");
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(r.as_object().contains("error")) << json::serialize(r);
  EXPECT_EQ(r.at("error").at("data").at("reason"), "unavailable");
  EXPECT_EQ(Cause(r), "no_primary");
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_GT(core_asked_.load(), 2);  // looked again, several times

  // A primary that appears while a request waits serves it.
  std::thread later([this] {
    std::this_thread::sleep_for(200ms);
    serving_ = true;
  });
  EXPECT_EQ(c.Ok("session.register", {{"name", "late"}}).at("name"), "late");
  later.join();
}

TEST_P(FrontRelay, AFrontWithTheWrongSecretGetsNothingThrough) {
  auto front = Front(300, "the wrong secret, also 32 bytes..");
  RpcClient c = front->Client();
  json::value r = c.Call("session.register", {{"name", "intruder"}});
  EXPECT_EQ(Cause(r), "no_primary") << json::serialize(r);
  EXPECT_EQ(core_asked_.load(), 0);
  EXPECT_EQ(core_.Client().Reason("session.get", {{"session", "intruder"}}), "not_found");
}

// A primary that went silent (a frozen rosterd: a dead machine sends no end
// of file) is left as soon as the front hears of another.
TEST_P(FrontRelay, APrimaryThatMovesAwayFromASilentCoreIsLeftAtOnce) {
  auto front = Front(2000);
  RpcClient c = front->Client();
  c.Ok("session.register", {{"name", "first"}});
  ::kill(core_.pid(), SIGSTOP);
  c.SendRaw(R"({"jsonrpc":"2.0","id":"lost","method":"session.register","params":{"name":"x"}})"
            "\n");
  std::this_thread::sleep_for(100ms);
  Daemon other;
  other.Start();
  where_.Set(Primary::Local(other.socket()));
  const auto t0 = Clock::now();
  front->PrimaryChanged();
  json::value r = c.ReadResponse(5000);
  EXPECT_LT(Clock::now() - t0, 500ms);
  EXPECT_EQ(r.at("id"), "lost");
  EXPECT_EQ(Cause(r), "unknown_outcome") << json::serialize(r);
  // The same connection now reaches the new primary.
  c.Ok("session.register", {{"name", "second"}});
  EXPECT_EQ(other.Client().Ok("session.get", {{"session", "second"}}).at("name"), "second");
  ::kill(core_.pid(), SIGCONT);
}

INSTANTIATE_TEST_SUITE_P(Transport, FrontRelay, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "tls" : "plain"; });

TEST(FrontNoPrimary, ARequestIsAnsweredUnavailableInRelayWaitNeverHangs) {
  TempDir dir;
  Where where;  // knows no primary
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  c.relay_wait_ms = 300;
  TestFront front(c, where.Locator());
  RpcClient client = front.Client();
  for (int round = 0; round < 2; ++round) {
    const auto t0 = Clock::now();
    // A pipelined pair and a batch: every id answered.
    client.SendRaw(
        R"({"jsonrpc":"2.0","id":1,"method":"status"})"
        "\n"
        R"({"jsonrpc":"2.0","id":2,"method":"session.register","params":{"name":"x"}})"
        "\n"
        R"([{"jsonrpc":"2.0","id":3,"method":"status"},{"jsonrpc":"2.0","id":4,"method":"status"}])"
        "\n");
    std::set<int64_t> ids;
    for (int i = 0; i < 3; ++i) {
      json::value r = client.ReadResponse(5000);
      if (r.is_array()) {
        for (auto& e : r.as_array()) {
          EXPECT_EQ(Cause(e), "no_primary");
          ids.insert(e.at("id").as_int64());
        }
      } else {
        EXPECT_EQ(Cause(r), "no_primary") << json::serialize(r);
        ids.insert(r.at("id").as_int64());
      }
    }
    EXPECT_EQ(ids, (std::set<int64_t>{1, 2, 3, 4}));
    const auto took = Clock::now() - t0;
    EXPECT_GE(took, 280ms);
    EXPECT_LT(took, 1300ms);
    // A door where nothing listens is no better.
    where.Set(Primary::Remote("127.0.0.1:" + std::to_string(FreeLoopbackPort())));
  }
}

// A rosterd killed -9 under a watch and writes, then started again.
TEST(FrontFailover, KillNineUnderAWatchAndWritesLosesNothingAndRepeatsNothing) {
  TempDir dir;
  Daemon core;
  core.Start();
  TestDoor door(MemberConfig(dir, "door", kSecret),
                [&]() -> std::optional<std::string> { return core.socket(); });
  Where where;
  where.Set(Primary::Remote(door.address()));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  c.relay_wait_ms = 10'000;  // the restart fits in it
  TestFront front(c, where.Locator());

  RpcClient watcher = front.Client();
  // Two watches, the first ended: the watch that lives has id 2, and the
  // core's new connection will call it 1.
  const int64_t first = watcher.Ok("watch").at("watch_id").as_int64();
  json::value started = watcher.Ok("watch");
  const int64_t wid = started.at("watch_id").as_int64();
  const int64_t from = started.at("rev").as_int64();
  watcher.Ok("unwatch", {{"watch_id", first}});
  ASSERT_NE(first, wid);

  RpcClient writer = front.Client();
  for (int i = 0; i < 20; ++i)
    writer.Ok("session.register", {{"name", "before" + std::to_string(i)}});

  // Freeze the core, so requests are surely in flight, and kill it.
  ::kill(core.pid(), SIGSTOP);
  writer.SendRaw(Registers(10, "inflight"));
  std::this_thread::sleep_for(200ms);
  core.Kill9();
  std::set<int64_t> answered;
  for (int i = 0; i < 10; ++i) {
    json::value r = writer.ReadResponse(5000);
    ASSERT_TRUE(r.as_object().contains("error")) << json::serialize(r);
    EXPECT_EQ(r.at("error").at("data").at("reason"), "unavailable");
    EXPECT_EQ(Cause(r), "unknown_outcome");
    answered.insert(r.at("id").as_int64());
  }
  EXPECT_EQ(answered.size(), 10u);

  // Started again on the same socket and store: the same connections serve.
  core.Start();
  for (int i = 0; i < 20; ++i)
    writer.Ok("session.register", {{"name", "after" + std::to_string(i)}});

  Rows feed =
      core.Query("SELECT rev FROM changes WHERE rev > " + std::to_string(from) + " ORDER BY rev");
  ASSERT_GE(feed.size(), 40u);
  const int64_t head = std::stoll(feed.back()[0]);
  std::vector<int64_t> revs;
  while (revs.empty() || revs.back() < head) {
    json::value n = watcher.Next(10'000);
    ASSERT_FALSE(n.is_null()) << "the watch stopped at " << (revs.empty() ? from : revs.back());
    ASSERT_NE(n.at("method"), "watch.error") << json::serialize(n);
    EXPECT_EQ(n.at("params").at("watch_id").as_int64(), wid) << json::serialize(n);
    if (n.at("method") == "watch.event") revs.push_back(n.at("params").at("rev").as_int64());
  }
  std::vector<int64_t> want;
  for (const auto& row : feed) want.push_back(std::stoll(row[0]));
  EXPECT_EQ(revs, want);  // no gap, no duplicate
}

// The core stopped (SIGTERM: its watches get watch.error unavailable) and
// started again: the client sees nothing but the events.
TEST(FrontFailover, AStoppingCoresWatchErrorIsNotPassedOnTheWatchResumes) {
  TempDir dir;
  Daemon core;
  core.Start();
  Where where;
  where.Set(Primary::Local(core.socket()));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  c.relay_wait_ms = 10'000;
  TestFront front(c, where.Locator());
  RpcClient watcher = front.Client();
  json::value started = watcher.Ok("watch");
  const int64_t from = started.at("rev").as_int64();
  RpcClient writer = front.Client();
  writer.Ok("session.register", {{"name", "a"}});
  ASSERT_EQ(core.Stop(), 0);
  core.Start();
  writer.Ok("session.register", {{"name", "b"}});
  Rows feed =
      core.Query("SELECT rev FROM changes WHERE rev > " + std::to_string(from) + " ORDER BY rev");
  std::vector<int64_t> revs, want;
  for (const auto& row : feed) want.push_back(std::stoll(row[0]));
  while (revs.size() < want.size()) {
    json::value n = watcher.Next(10'000);
    ASSERT_FALSE(n.is_null());
    ASSERT_NE(n.at("method"), "watch.error") << json::serialize(n);
    if (n.at("method") == "watch.event") revs.push_back(n.at("params").at("rev").as_int64());
  }
  EXPECT_EQ(revs, want);
}

// A core the test plays: each connection it accepts is handed to the next
// script, which reads and writes lines on it.
class ScriptedCore {
 public:
  using Script = std::function<void(int fd)>;
  ScriptedCore(const std::string& path, std::vector<Script> scripts) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0)
      throw std::runtime_error("cannot listen on " + path);
    thread_ = std::thread([this, scripts = std::move(scripts)] {
      for (const Script& s : scripts) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        timeval tv{5, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        s(c);
        ::close(c);
      }
    });
  }
  ~ScriptedCore() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }

  // The next line on `fd`, parsed ({} on end of file or timeout).
  static json::value Read(int fd) {
    std::string line;
    char ch;
    while (::recv(fd, &ch, 1, 0) == 1) {
      if (ch == '\n') return json::parse(line);
      line += ch;
    }
    return json::object();
  }
  static void Write(int fd, const std::string& line) {
    const std::string l = line + "\n";
    (void)::send(fd, l.data(), l.size(), MSG_NOSIGNAL);
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

std::string Answer(const json::value& request, const json::object& result) {
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", request.at("id")}, {"result", result}});
}
std::string Event(int64_t watch_id, int64_t rev, const char* op = "update") {
  return json::serialize(json::object{{"jsonrpc", "2.0"},
                                      {"method", "watch.event"},
                                      {"params",
                                       {{"watch_id", watch_id},
                                        {"rev", rev},
                                        {"ts", 1},
                                        {"entity", "session"},
                                        {"op", op},
                                        {"key", "k"},
                                        {"data", nullptr}}}});
}

TEST(FrontScripted, AWatchLostInItsSnapshotGetsCompacted) {
  TempDir dir;
  const std::string core_socket = dir.File("core.sock");
  ScriptedCore core(
      core_socket, {[](int fd) {
        json::value watch = ScriptedCore::Read(fd);
        ScriptedCore::Write(
            fd, Answer(watch, {{"watch_id", 1}, {"rev", 5}, {"oldest_rev", 1}, {"feed_id", "f"}}));
        ScriptedCore::Write(fd, Event(1, 3, "snapshot"));
      }});  // then the core is gone, before watch.synced
  Where where;
  where.Set(Primary::Local(core_socket));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  TestFront front(c, where.Locator());
  RpcClient client = front.Client();
  EXPECT_EQ(client.Ok("watch", {{"snapshot", true}}).at("watch_id"), 1);
  EXPECT_EQ(client.Next().at("params").at("op"), "snapshot");
  json::value error = client.Next();
  ASSERT_EQ(error.at("method"), "watch.error") << json::serialize(error);
  EXPECT_EQ(error.at("params").at("watch_id"), 1);
  EXPECT_EQ(error.at("params").at("reason"), "compacted");
}

TEST(FrontScripted, AResumedWatchKeepsTheClientsIdAndStartsAfterItsLastRev) {
  TempDir dir;
  const std::string core_socket = dir.File("core.sock");
  std::atomic<bool> resumed_right{false};
  ScriptedCore core(
      core_socket,
      {[](int fd) {
         for (int64_t id : {1, 2}) {
           json::value watch = ScriptedCore::Read(fd);
           ScriptedCore::Write(
               fd,
               Answer(watch, {{"watch_id", id}, {"rev", 10}, {"oldest_rev", 1}, {"feed_id", "f"}}));
         }
         json::value unwatch = ScriptedCore::Read(fd);
         ScriptedCore::Write(fd, Answer(unwatch, {}));
         ScriptedCore::Write(fd, Event(2, 11));
         // As a stopping rosterd: watch.error unavailable, then the end.
         ScriptedCore::Write(
             fd, json::serialize(json::object{
                     {"jsonrpc", "2.0"},
                     {"method", "watch.error"},
                     {"params",
                      {{"watch_id", 2}, {"reason", "unavailable"}, {"message", "stopping"}}}}));
       },
       [&](int fd) {
         json::value watch = ScriptedCore::Read(fd);
         const auto& p = watch.at("params");
         resumed_right = p.at("since") == 11 && p.at("feed_id") == "f" &&
                         !p.as_object().contains("snapshot") && p.at("entities").at(0) == "session";
         ScriptedCore::Write(
             fd,
             Answer(watch, {{"watch_id", 1}, {"rev", 12}, {"oldest_rev", 1}, {"feed_id", "f"}}));
         ScriptedCore::Write(fd, Event(1, 12));
         ScriptedCore::Read(fd);  // until the front goes
       }});
  Where where;
  where.Set(Primary::Local(core_socket));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  TestFront front(c, where.Locator());
  RpcClient client = front.Client();
  EXPECT_EQ(client.Ok("watch", {{"entities", json::array{"session"}}}).at("watch_id"), 1);
  EXPECT_EQ(client.Ok("watch", {{"entities", json::array{"session"}}}).at("watch_id"), 2);
  client.Ok("unwatch", {{"watch_id", 1}});
  for (int64_t rev : {11, 12}) {
    json::value n = client.Next();
    ASSERT_EQ(n.at("method"), "watch.event") << json::serialize(n);
    EXPECT_EQ(n.at("params").at("watch_id"), 2);
    EXPECT_EQ(n.at("params").at("rev"), rev);
  }
  EXPECT_TRUE(resumed_right.load());
}

// A session or team is on the machine its request came from: through a
// front whose member is host "hb", a real core whose host is "ha" records
// hb's registrations as hb's — alone, pipelined or in a batch, with or
// without params — and leaves a host the request names.
TEST(FrontHost, RegistrationsAndTeamsThroughAFrontCarryItsMembersHost) {
  TempDir dir;
  Daemon core({"--host", "ha"});
  core.Start();
  Where where;
  where.Set(Primary::Local(core.socket()));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  c.registry.host = "hb";
  TestFront front(c, where.Locator());
  RpcClient client = front.Client();
  EXPECT_EQ(client.Ok("session.register", {{"name", "via-b"}}).at("host"), "hb");
  EXPECT_EQ(client.Ok("session.register", {{"name", "named"}, {"host", "hx"}}).at("host"), "hx");
  EXPECT_EQ(client
                .Ok("team.up",
                    {{"project_id", "web"}, {"root", "/src/web"}, {"agents", json::array{"dev"}}})
                .at("host"),
            "hb");
  client.SendRaw(
      R"({"jsonrpc":"2.0","id":"bare","method":"session.register"})"
      "\n"
      R"([{"jsonrpc":"2.0","id":1,"method":"session.register","params":{"name":"in-batch"}},)"
      R"({"jsonrpc":"2.0","method":"session.register","params":{"name":"notified"}},)"
      R"({"jsonrpc":"2.0","id":2,"method":"session.get","params":{"session":"via-b"}}])"
      "\n");
  json::value bare = client.ReadResponse();
  EXPECT_EQ(bare.at("result").at("host"), "hb") << json::serialize(bare);
  json::value batch = client.ReadResponse();
  ASSERT_TRUE(batch.is_array()) << json::serialize(batch);
  EXPECT_EQ(batch.at(0).at("result").at("host"), "hb");
  EXPECT_EQ(batch.at(1).at("result").at("host"), "hb");
  RpcClient direct = core.Client();
  EXPECT_EQ(direct.Ok("session.get", {{"session", "notified"}}).at("host"), "hb");
  // The core's own clients are its host's.
  EXPECT_EQ(direct.Ok("session.register", {{"name", "on-a"}}).at("host"), "ha");
  // A bad host named by the client is the core's to refuse.
  EXPECT_EQ(client.Reason("session.register", {{"host", "two words"}}), "invalid_params");
}

// Every other line is passed on byte for byte; only a session.register or
// team.up without a host is written anew.
TEST(FrontHost, OnlyRegistrationsWithoutAHostAreRewritten) {
  TempDir dir;
  const std::string core_socket = dir.File("core.sock");
  const std::string heartbeat =
      R"({"id":7 , "jsonrpc":"2.0","method":"session.heartbeat","params":{"session":"x","meta":{"n":1.50}}})";
  const std::string named =
      R"({"jsonrpc":"2.0","id":8,"method":"session.register","params":{"host":"hx", "name":"y"}})";
  std::vector<std::string> seen;
  auto read_raw = [](int fd) {
    std::string line;
    char ch;
    while (::recv(fd, &ch, 1, 0) == 1 && ch != '\n') line += ch;
    return line;
  };
  ScriptedCore core(core_socket, {[&](int fd) {
                      for (int i = 0; i < 3; ++i) {
                        seen.push_back(read_raw(fd));
                        ScriptedCore::Write(fd, Answer(json::parse(seen.back()), {}));
                      }
                    }});
  Where where;
  where.Set(Primary::Local(core_socket));
  daemon::DaemonConfig c = MemberConfig(dir, "front", kSecret);
  c.socket_path = dir.File("front.sock");
  c.registry.host = "hb";
  {
    TestFront front(c, where.Locator());
    RpcClient client = front.Client();
    client.SendRaw(heartbeat + "\n");
    client.ReadResponse();
    client.SendRaw(named + "\n");
    client.ReadResponse();
    client.Ok("session.register", {{"name", "z"}});
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], heartbeat);
  EXPECT_EQ(seen[1], named);
  json::value rewritten = json::parse(seen[2]);
  EXPECT_EQ(rewritten.at("params").at("host"), "hb") << seen[2];
  EXPECT_EQ(rewritten.at("params").at("name"), "z") << seen[2];
}

}  // namespace
}  // namespace roster::testing

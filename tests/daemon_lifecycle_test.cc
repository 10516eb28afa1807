// daemon_lifecycle_test.cc — the real rosterd under abuse: kill -9 under
// write load, bad input of every kind, expiry and restart grace (each on both
// store engines), the single-owner lock, socket handling, peer credentials
// and idle connections.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "daemon_harness.h"

namespace roster {
namespace {

using testing::ConnectUnix;
using testing::Daemon;
using testing::Engine;
using testing::RpcClient;
namespace bj = boost::json;

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The store under test: an engine, and the file engine's sync mode.
struct Store {
  Engine engine;
  const char* sync;  // file engine: full or normal
};

std::string StoreName(const Store& s) {
  return s.engine == Engine::kFile ? std::string("file_") + s.sync : std::string("dqlite");
}
void PrintTo(const Store& s, std::ostream* os) { *os << StoreName(s); }

class DaemonCrash : public ::testing::TestWithParam<Store> {};

// Every store promises that an acknowledged write survives the daemon being
// killed at any instant (the dqlite node with it: it lives in rosterd); this
// kills it at random moments under load, restarts it, and reads the store as
// another program would. The feed has no gaps within an incarnation; with the
// file engine's sync full, and with dqlite, the feed stays one incarnation
// across crashes; with sync normal every unclean stop starts a new one (it
// may have lost commits whose revs clients saw).
TEST_P(DaemonCrash, KillNineUnderWriteLoadKeepsEveryAcknowledgedWrite) {
  const Store store = GetParam();
  const bool one_incarnation = std::string(store.sync) == "full";
  Daemon d(store.engine == Engine::kFile ? std::vector<std::string>{"--sync", store.sync}
                                         : std::vector<std::string>{},
           store.engine);
  std::vector<std::string> acked;
  std::set<std::string> feeds;
  std::mt19937 rng(12345);
  d.Start();
  for (int round = 0; round < 8; ++round) {
    feeds.insert(std::string(d.Client().Ok("status").at("feed_id").as_string()));
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&, t] {
        try {
          RpcClient c = d.Client();
          for (int i = 0;; ++i) {
            std::string id =
                "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
            c.Ok("session.register", {{"id", id}, {"ttl_ms", 600000}});
            c.Ok("log.append", {{"session", id}, {"kind", "k"}, {"body", i}});
            std::lock_guard lock(mu);
            acked.push_back(id);
          }
        } catch (const std::exception&) {
          // the daemon died under us: expected
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    d.Kill9();
    for (auto& w : writers) w.join();

    // The file is read as it was left; a dqlite node is read once the
    // restarted daemon has it serving again (it replays its Raft log first).
    if (store.engine == Engine::kDqlite) d.Start();
    ASSERT_EQ(d.Query("PRAGMA integrity_check"), (testing::Rows{{"ok"}}));
    ASSERT_TRUE(d.Query("SELECT * FROM pragma_foreign_key_check").empty());
    std::set<std::string> logged;
    for (const auto& row : d.Query("SELECT session_id FROM log_entries")) logged.insert(row[0]);
    for (const auto& id : acked) {
      ASSERT_TRUE(logged.count(id)) << "acknowledged write lost: " << id;
    }
    const testing::Rows revs = d.Query(
        "SELECT count(*), min(rev), max(rev) FROM changes WHERE rev > coalesce("
        "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'compacted_rev'), 0)");
    EXPECT_EQ(std::stoll(revs[0][0]), std::stoll(revs[0][2]) - std::stoll(revs[0][1]) + 1)
        << "rev gap after round " << round;
    if (store.engine == Engine::kFile) d.Start();
  }
  EXPECT_GT(acked.size(), 100u);
  EXPECT_EQ(feeds.size(), one_incarnation ? 1u : 8u);
}

// A write whose answer never came (the daemon died with it in flight) may or
// may not have been applied. Sent again with its request_key, every append
// is applied exactly once: none lost, none twice.
TEST_P(DaemonCrash, InDoubtAppendsRetriedWithTheirRequestKeysAreAppliedOnce) {
  const Store store = GetParam();
  Daemon d(store.engine == Engine::kFile ? std::vector<std::string>{"--sync", store.sync}
                                         : std::vector<std::string>{},
           store.engine);
  d.Start();
  d.Client().Ok("session.register", {{"name", "s"}, {"ttl_ms", 600000}});
  std::set<std::string> sent;  // every key sent, answered or not
  std::mt19937 rng(777);
  for (int round = 0; round < 4; ++round) {
    std::mutex mu;
    std::vector<std::string> in_doubt;
    std::vector<std::thread> writers;
    for (int t = 0; t < 3; ++t) {
      writers.emplace_back([&, t] {
        std::string key;
        try {
          RpcClient c = d.Client();
          for (int i = 0;; ++i) {
            key = "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
            {
              std::lock_guard lock(mu);
              sent.insert(key);
            }
            c.Ok("log.append",
                 {{"session", "s"}, {"kind", "k"}, {"body", {{"k", key}}}, {"request_key", key}});
            key.clear();
          }
        } catch (const std::exception&) {
          std::lock_guard lock(mu);
          if (!key.empty()) in_doubt.push_back(key);  // sent, never answered
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 200));
    d.Kill9();
    for (auto& w : writers) w.join();
    d.Start();
    RpcClient c = d.Client();
    for (const auto& key : in_doubt) {  // the client's retry, with the same key
      c.Ok("log.append",
           {{"session", "s"}, {"kind", "k"}, {"body", {{"k", key}}}, {"request_key", key}});
    }
  }
  std::map<std::string, int> entries;
  for (const auto& row :
       d.Query("SELECT json_extract(body, '$.k') FROM log_entries WHERE kind = 'k'")) {
    ++entries[row[0]];
  }
  EXPECT_GT(entries.size(), 50u);
  for (const auto& key : sent) EXPECT_EQ(entries[key], 1) << key;
  EXPECT_EQ(entries.size(), sent.size());
}

INSTANTIATE_TEST_SUITE_P(Stores, DaemonCrash,
                         ::testing::Values(Store{Engine::kFile, "full"},
                                           Store{Engine::kFile, "normal"},
                                           Store{Engine::kDqlite, "full"}),
                         [](const ::testing::TestParamInfo<Store>& p) {
                           return StoreName(p.param);
                         });

class DaemonInput : public ::testing::TestWithParam<Engine> {};

TEST_P(DaemonInput, BadInputGetsErrorsAndTheDaemonKeepsServing) {
  Daemon d({}, GetParam());
  d.Config({{"max_line_bytes", 4096}});
  d.Start();
  RpcClient c = d.Client();
  auto error_of = [&](const std::string& raw) {
    c.SendRaw(raw);
    bj::value r = c.ReadResponse();
    return std::make_pair(r.at("error").at("code").as_int64(),
                          std::string(r.at("error").at("data").at("reason").as_string()));
  };
  EXPECT_EQ(error_of("{not json\n").first, -32700);
  EXPECT_EQ(error_of("42\n").first, -32600);
  EXPECT_EQ(error_of(R"({"jsonrpc":"1.0","id":1,"method":"status"})"
                     "\n")
                .first,
            -32600);
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":1})"
                     "\n")
                .first,
            -32600);
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":1,"method":"status","extra":1})"
                     "\n")
                .first,
            -32600);
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":{},"method":"status"})"
                     "\n")
                .first,
            -32600);
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":1,"method":"session.get","params":[1]})"
                     "\n")
                .first,
            -32602);
  EXPECT_EQ(error_of(R"({"jsonrpc":"2.0","id":1,"method":"session.register","params":{"pid":"x"}})"
                     "\n")
                .first,
            -32602);
  EXPECT_EQ(error_of(std::string(100, '[') + std::string(100, ']') + "\n").second,
            "limit_exceeded");
  std::string garbage = "\x01\x02\xff\xfe\x80garbage\x00more";
  garbage.push_back('\n');
  EXPECT_EQ(error_of(garbage).first, -32700);
  EXPECT_EQ(error_of("\"\xc3\x28\"\n").first, -32700);  // invalid UTF-8 in a string
  // The same connection still works after all of that.
  EXPECT_EQ(c.Ok("session.register", {{"name", "still-here"}}).at("name"), "still-here");

  // A line over max_line_bytes: an error, then the connection is closed.
  RpcClient big = d.Client();
  big.SendRaw(std::string(10000, 'x') + "\n");
  bj::value r = big.ReadResponse();
  EXPECT_EQ(r.at("error").at("data").at("reason"), "limit_exceeded");
  EXPECT_FALSE(big.ReadLine(2000).has_value());
  EXPECT_TRUE(big.eof());

  // A truncated request followed by a hang-up.
  {
    RpcClient t = d.Client();
    t.SendRaw(R"({"jsonrpc":"2.0","id":1,"method":"session.reg)");
  }
  // A thousand idle connections do not stop others from being served.
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) {
    int fd = ConnectUnix(d.socket());
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  RpcClient other = d.Client();
  EXPECT_EQ(other.Ok("session.get", {{"session", "still-here"}}).at("status"), "active");
  EXPECT_GE(other.Ok("status").at("connections").as_int64(), 1000);
  for (int fd : idle) ::close(fd);
  EXPECT_EQ(d.Query("PRAGMA integrity_check"), (testing::Rows{{"ok"}}));
  EXPECT_EQ(d.Query("SELECT count(*) FROM sessions"), (testing::Rows{{"1"}}));
  EXPECT_EQ(d.Stop(), 0);
}

// More requests in one burst than a connection may have in flight (1,024):
// the daemon stops framing lines at the bound, resumes as replies go out, and
// answers every request once, in order.
TEST_P(DaemonInput, BurstBeyondTheInFlightBoundIsAnsweredInOrder) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "busy"}});
  constexpr int kRequests = 3000;
  std::string burst;
  for (int i = 1; i <= kRequests; ++i) {
    burst += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
             R"(,"method":"session.heartbeat","params":{"session":"busy"}})" +
             (i % 7 == 0 ? "\r\n\n" : "\n");  // CRLF and blank lines mixed in
  }
  c.SendRaw(burst);
  for (int i = 1; i <= kRequests; ++i) {
    bj::value r = c.ReadResponse();
    ASSERT_EQ(r.at("id").as_int64(), i);
    ASSERT_TRUE(r.as_object().contains("result")) << bj::serialize(r);
  }
  EXPECT_EQ(c.Ok("session.get", {{"session", "busy"}}).at("status"), "active");
}

TEST_P(DaemonInput, ConnectionsPastTheLimitAreRefusedWithAnError) {
  Daemon d({}, GetParam());
  d.Config({{"max_connections", 2}});
  d.Start();
  RpcClient a = d.Client(), b = d.Client();
  a.Ok("status");
  b.Ok("status");
  RpcClient third = d.Client();
  bj::value r = third.ReadResponse();
  EXPECT_EQ(r.at("error").at("data").at("reason"), "limit_exceeded");
}

TEST_P(DaemonInput, IdleConnectionsAreClosedButWatchersAreNot) {
  Daemon d({}, GetParam());
  d.Config({{"idle_timeout_ms", 200}});
  d.Start();
  RpcClient idle = d.Client(), watcher = d.Client();
  watcher.Ok("watch");
  EXPECT_FALSE(idle.ReadLine(1500).has_value());
  EXPECT_TRUE(idle.eof());
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "x"}});
  bj::value n = watcher.Next(3000);
  ASSERT_FALSE(n.is_null());
  EXPECT_EQ(n.at("method"), "watch.event");
}

class DaemonExpiry : public ::testing::TestWithParam<Engine> {};

TEST_P(DaemonExpiry, SilentSessionGoesStaleWithinTtlPlusOneIntervalAndWatchersSeeIt) {
  Daemon d({}, GetParam());
  d.Config({{"cleanup_interval_ms", 100}});
  d.Start();
  RpcClient c = d.Client(), w = d.Client();
  c.Ok("session.register", {{"name", "paused"}, {"ttl_ms", 300}});
  c.Ok("session.pause", {{"session", "paused"}});
  w.Ok("watch", {{"entities", bj::array{"session"}}});
  bj::value s = c.Ok("session.register", {{"name", "quiet"}, {"ttl_ms", 300}});
  const int64_t expires_at = s.at("expires_at").as_int64();
  bj::value stale;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stale.is_null() && std::chrono::steady_clock::now() < deadline) {
    bj::value n = w.Next(500);
    if (!n.is_null() && n.at("method") == "watch.event" &&
        n.at("params").at("data").at("status") == "stale") {
      stale = n.at("params");
    }
  }
  ASSERT_FALSE(stale.is_null());
  EXPECT_EQ(stale.at("data").at("name"), "quiet");
  EXPECT_EQ(stale.at("data").at("status_reason"), "ttl");
  EXPECT_GE(stale.at("ts").as_int64(), expires_at);
  EXPECT_LE(stale.at("ts").as_int64(), expires_at + 100 + 2000);  // one interval + scheduling slack
  EXPECT_EQ(c.Ok("session.get", {{"session", "paused"}}).at("status"), "paused");
}

TEST_P(DaemonExpiry, SessionWhoseProcessExitsGoesStaleWithReasonProcessExited) {
  Daemon d({}, GetParam());
  d.Config({{"cleanup_interval_ms", 100}});
  d.Start();
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "agent"}, {"pid", child}, {"ttl_ms", 600'000}});
  c.Ok("session.register", {{"name", "me"}, {"pid", getpid()}, {"ttl_ms", 600'000}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(c.Ok("session.get", {{"session", "agent"}}).at("status"), "active");
  ::kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  bj::value s;
  for (int i = 0; i < 50; ++i) {  // a few cleanup rounds at most
    s = c.Ok("session.get", {{"session", "agent"}});
    if (s.at("status") == "stale") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(s.at("status"), "stale");
  EXPECT_EQ(s.at("status_reason"), "process_exited");
  EXPECT_EQ(c.Ok("session.get", {{"session", "me"}}).at("status"), "active");
}

TEST_P(DaemonExpiry, RestartGivesLiveSessionsAFullTtlOfGrace) {
  Daemon d({}, GetParam());
  d.Config({{"cleanup_interval_ms", 100}});
  d.Start();
  {
    RpcClient c = d.Client();
    c.Ok("session.register", {{"name", "survivor"}, {"ttl_ms", 1500}});
  }
  ASSERT_EQ(d.Stop(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // past its TTL while down
  const int64_t restarted = NowMs();
  d.Start();
  RpcClient c = d.Client();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few cleanup rounds
  bj::value s = c.Ok("session.get", {{"session", "survivor"}});
  EXPECT_EQ(s.at("status"), "active");
  EXPECT_GE(s.at("expires_at").as_int64(), restarted + 1500);
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonInput, ROSTER_BOTH_ENGINES);
INSTANTIATE_TEST_SUITE_P(Engines, DaemonExpiry, ROSTER_BOTH_ENGINES);

// The cleanup checkpoint leaves the WAL file in place for reuse, but a burst
// that grew it past wal_truncate_bytes is cut back once the WAL restarts.
TEST(DaemonLifecycle, WalGrownByABurstIsCutBackToTheConfiguredSize) {
  constexpr int64_t kLimit = 256 << 10;
  Daemon d;
  d.Config({{"cleanup_interval_ms", 100}, {"wal_truncate_bytes", kLimit}});
  d.Start();
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "busy"}});
  const std::string wal = d.db() + "-wal", body(2000, 'x');
  int64_t grown = 0;
  for (int i = 0; i < 2000; ++i) {  // ~8 MB of feed and log rows
    c.Ok("log.append", {{"session", "busy"}, {"kind", "out"}, {"body", body}});
    grown = std::max(grown, static_cast<int64_t>(std::filesystem::file_size(wal)));
  }
  ASSERT_GT(grown, kLimit);
  int64_t size = 0;
  for (int i = 0; i < 100; ++i) {  // a checkpoint round, then a write restarts the WAL
    c.Ok("session.heartbeat", {{"session", "busy"}});
    size = static_cast<int64_t>(std::filesystem::file_size(wal));
    if (size <= kLimit) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LE(size, kLimit);
  EXPECT_GT(size, 0);  // cut back, not truncated away: the next writes reuse it
}

TEST(DaemonLifecycle, SecondDaemonOnTheSameDatabaseExitsNamingTheHolder) {
  Daemon d;
  d.Start();
  Daemon second;
  second.UseDb(d.db());  // same database, its own socket
  EXPECT_NE(second.RunToExit(), 0);
  EXPECT_NE(second.Log().find("pid " + std::to_string(d.pid())), std::string::npos) << second.Log();
  EXPECT_EQ(d.Client().Ok("status").at("sync"), "full");
}

// Profilers and roster-bench tell the daemon's threads apart by name.
TEST(DaemonLifecycle, WorkerThreadsAreNamedForProfiling) {
  Daemon d;
  d.Start();
  d.Client().Ok("status");  // serving: every thread has started (a connect alone is not enough)
  std::multiset<std::string> names;
  for (const auto& t :
       std::filesystem::directory_iterator("/proc/" + std::to_string(d.pid()) + "/task")) {
    std::string name;
    std::getline(std::ifstream(t.path() / "comm"), name);
    names.insert(name);
  }
  EXPECT_EQ(names.count("roster-writer"), 1u);
  EXPECT_EQ(names.count("roster-notify"), 1u);
  EXPECT_GE(names.count("roster-reader"), 1u);
}

TEST(DaemonLifecycle, LiveSocketIsNotTakenOverButAStaleOneIsReplaced) {
  Daemon d;
  d.Start();
  Daemon intruder;
  intruder.UseSocket(d.socket());  // its own database, the same socket
  EXPECT_NE(intruder.RunToExit(), 0);
  EXPECT_NE(intruder.Log().find("already serving"), std::string::npos) << intruder.Log();
  d.Kill9();  // leaves its socket file behind
  ASSERT_TRUE(std::filesystem::exists(d.socket()));
  d.Start();
  EXPECT_EQ(d.Client().Ok("status").at("sync"), "full");
  EXPECT_NE(d.Log().find("replaced stale socket"), std::string::npos);
}

TEST(DaemonLifecycle, SocketIsPrivateAndOtherUsersAreRefused) {
  Daemon d;
  d.Start();
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  ::chmod(d.dir().path().c_str(), 0777);
  ::chmod(d.socket().c_str(), 0777);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  if (child == 0) {
    if (setuid(65534) != 0) _exit(2);
    RpcClient c(d.socket());
    auto line = c.ReadLine(5000);
    std::string out = line.value_or("none");
    ssize_t ignored = write(fds[1], out.data(), out.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  waitpid(child, nullptr, 0);
  EXPECT_NE(got.find("permission_denied"), std::string::npos) << got;
}

TEST(DaemonLifecycle, NewerDatabaseIsRefusedAtStart) {
  Daemon d;
  {
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 99");
  }
  EXPECT_NE(d.RunToExit(), 0);
  EXPECT_NE(d.Log().find("newer than this binary"), std::string::npos) << d.Log();
}

}  // namespace
}  // namespace roster

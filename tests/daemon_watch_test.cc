// daemon_watch_test.cc — the change feed through the real rosterd: live
// delivery, snapshot + live split, resume with since across restarts (SIGTERM
// and kill -9), slow subscribers, compaction, outside writes, filters — on
// each store engine (file and dqlite), the same tests.
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "core/entities.h"
#include "daemon_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::Engine;
using testing::RpcClient;
namespace bj = boost::json;

class DaemonWatch : public ::testing::TestWithParam<Engine> {};

// Collects watch.event notifications until `pred` holds or timeout.
std::vector<bj::value> Events(RpcClient& c, size_t count, int timeout_ms = 15'000) {
  std::vector<bj::value> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    bj::value n = c.Next(500);
    if (n.is_null()) continue;
    if (n.at("method") == "watch.event") out.push_back(n.at("params"));
  }
  return out;
}

TEST_P(DaemonWatch, LiveWatcherGetsEveryCommittedChangeInRevOrder) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient w = d.Client(), c = d.Client();
  bj::value started = w.Ok("watch");
  int64_t watch_id = started.at("watch_id").as_int64();
  c.Ok("session.register", {{"name", "a"}});
  c.Ok("session.heartbeat", {{"session", "a"}});  // pure heartbeat: no event
  c.Ok("session.pause", {{"session", "a"}, {"note", "n"}});
  auto ev = Events(w, 3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].at("watch_id"), watch_id);
  EXPECT_EQ(ev[0].at("entity"), "session");
  EXPECT_EQ(ev[0].at("op"), "insert");
  EXPECT_EQ(ev[0].at("data").at("name"), "a");
  EXPECT_EQ(ev[1].at("entity"), "pause");
  EXPECT_EQ(ev[2].at("data").at("status"), "paused");
  for (size_t i = 1; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].at("rev").as_int64(), ev[i - 1].at("rev").as_int64() + 1);
  }
  EXPECT_EQ(w.Ok("unwatch", {{"watch_id", watch_id}}), bj::value(bj::object{}));
  EXPECT_EQ(w.Reason("unwatch", {{"watch_id", watch_id}}), "not_found");
}

TEST_P(DaemonWatch, FiltersByEntitySessionAndKey) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient c = d.Client();
  c.Ok("session.register", {{"id", "s1"}, {"name", "one"}});
  c.Ok("session.register", {{"id", "s2"}, {"name", "two"}});
  RpcClient logs = d.Client(), by_session = d.Client();
  logs.Ok("watch", {{"entities", bj::array{"log"}}});
  by_session.Ok("watch", {{"session", "two"}});  // by name
  c.Ok("log.append", {{"session", "one"}, {"kind", "k"}, {"body", 1}});
  c.Ok("session.update", {{"session", "one"}, {"status", "idle"}});
  c.Ok("session.update", {{"session", "two"}, {"status", "idle"}});
  auto l = Events(logs, 1);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].at("key"), "s1:1");
  auto s = Events(by_session, 1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].at("key"), "s2");
  EXPECT_TRUE(Events(logs, 1, 300).empty());
  EXPECT_TRUE(Events(by_session, 1, 300).empty());
}

TEST_P(DaemonWatch, AnUnknownEntityIsRefusedWithTheKnownOnes) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient c = d.Client();
  bj::value r = c.Call("watch", {{"entities", bj::array{"session", "task"}}});
  ASSERT_TRUE(r.as_object().contains("error")) << bj::serialize(r);
  EXPECT_EQ(r.at("error").at("data").at("reason"), "invalid_params");
  EXPECT_EQ(std::string(r.at("error").at("message").as_string()),
            "params.entities: unknown entity \"task\" (" + EntityNames(", ") + ")");
  for (const Entity* e : kEntities) c.Ok("watch", {{"entities", bj::array{e->name}}});
}

TEST_P(DaemonWatch, SnapshotThenLiveContainsEveryChangeExactlyOnce) {
  Daemon d({}, GetParam());
  d.Start();
  constexpr int kTotal = 600;
  std::atomic<int> written{0};
  std::thread writer([&] {
    RpcClient c = d.Client();
    for (int i = 0; i < kTotal; ++i) {
      c.Ok("session.register",
           {{"id", "id-" + std::to_string(i)}, {"name", "n" + std::to_string(i)}});
      written++;
    }
  });
  while (written < kTotal / 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  RpcClient w = d.Client();
  bj::value started = w.Ok("watch", {{"snapshot", true}, {"entities", bj::array{"session"}}});
  const int64_t snap_rev = started.at("rev").as_int64();
  std::set<std::string> in_snapshot, in_events;
  bool synced = false;
  int64_t last_rev = snap_rev;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((in_snapshot.size() + in_events.size() < kTotal) &&
         std::chrono::steady_clock::now() < deadline) {
    bj::value n = w.Next(500);
    if (n.is_null()) continue;
    const auto& p = n.at("params");
    if (n.at("method") == "watch.synced") {
      EXPECT_EQ(p.at("rev").as_int64(), snap_rev);
      synced = true;
    } else if (n.at("method") == "watch.event") {
      std::string key(p.at("key").as_string());
      if (p.at("op") == "snapshot") {
        EXPECT_FALSE(synced);
        EXPECT_TRUE(in_snapshot.insert(key).second) << key;
      } else {
        EXPECT_TRUE(synced);
        EXPECT_GT(p.at("rev").as_int64(), last_rev);
        last_rev = p.at("rev").as_int64();
        EXPECT_TRUE(in_events.insert(key).second) << "twice: " << key;
        EXPECT_FALSE(in_snapshot.count(key)) << "in both: " << key;
      }
    }
  }
  writer.join();
  EXPECT_TRUE(synced);
  EXPECT_GE(in_snapshot.size(), static_cast<size_t>(kTotal / 3));
  EXPECT_EQ(in_snapshot.size() + in_events.size(), static_cast<size_t>(kTotal));
}

// Reads events of watch `c` until rev `until`; returns their revs.
std::vector<int64_t> RevsUntil(RpcClient& c, int64_t until) {
  std::vector<int64_t> revs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((revs.empty() || revs.back() < until) && std::chrono::steady_clock::now() < deadline) {
    bj::value n = c.Next(500);
    if (!n.is_null() && n.at("method") == "watch.event")
      revs.push_back(n.at("params").at("rev").as_int64());
  }
  return revs;
}

void ExpectContiguous(const std::vector<int64_t>& revs, int64_t from, int64_t to) {
  ASSERT_EQ(revs.size(), static_cast<size_t>(to - from + 1));
  for (size_t i = 0; i < revs.size(); ++i) EXPECT_EQ(revs[i], from + static_cast<int64_t>(i));
}

TEST_P(DaemonWatch, ResumeWithSinceAcrossRestartsLosesAndRepeatsNothing) {
  Daemon d({}, GetParam());
  d.Start();
  int64_t seen = 0;
  for (bool hard : {false, true}) {
    {
      RpcClient c = d.Client();
      for (int i = 0; i < 50; ++i) c.Ok("session.register", {});
      // A watcher reads part of the feed, then everything goes down.
      RpcClient w = d.Client();
      w.Ok("watch", {{"since", seen}});
      auto revs = RevsUntil(w, seen + 20);
      ExpectContiguous(revs, seen + 1, seen + 20);
      seen += 20;
    }
    if (hard)
      d.Kill9();
    else
      ASSERT_EQ(d.Stop(), 0);
    d.Start();
    RpcClient c = d.Client();
    for (int i = 0; i < 30; ++i) c.Ok("session.register", {});
    int64_t now = c.Ok("status").at("rev").as_int64();
    RpcClient w = d.Client();
    w.Ok("watch", {{"since", seen}});
    auto revs = RevsUntil(w, now);
    ExpectContiguous(revs, seen + 1, now);
    seen = now;
  }
}

TEST_P(DaemonWatch, SlowSubscriberCatchesUpFromDiskWithoutSlowingWriters) {
  Daemon d({}, GetParam());
  d.Config({{"subscriber_queue", 16}});
  d.Start();
  RpcClient slow = d.Client(), fast = d.Client();
  slow.Ok("watch");
  fast.Ok("watch");
  std::atomic<bool> done{false};
  std::vector<int64_t> fast_revs;
  std::thread fast_reader([&] {
    fast_revs = RevsUntil(fast, 2000);
    done = true;
  });
  {
    RpcClient c = d.Client();
    // The slow watcher reads nothing while 2000 changes commit.
    for (int i = 0; i < 2000; ++i) c.Ok("session.register", {{"ttl_ms", 600000}});
  }
  fast_reader.join();
  ExpectContiguous(fast_revs, 1, 2000);
  ExpectContiguous(RevsUntil(slow, 2000), 1, 2000);
  RpcClient c = d.Client();
  bj::value subs = c.Ok("status").at("subscribers");
  int64_t caught_up = 0;
  for (const auto& s : subs.as_array()) caught_up += s.at("caught_up").as_int64();
  // The slow one read from disk. (On dqlite a member's relay stands between
  // the watcher and the core and takes what the watcher does not read, up
  // to its high-water mark, so the core need not fall back to disk for
  // 2,000 events: the relay's own limit is tested in cluster_front_test.)
  if (GetParam() == Engine::kFile) {
    EXPECT_GT(caught_up, 0);
  }
}

TEST_P(DaemonWatch, FallingBehindTheCompactionHorizonIsCompacted) {
  Daemon d({}, GetParam());
  d.Config({{"changes_max_rows", 10}, {"cleanup_interval_ms", 50}});
  d.Start();
  RpcClient c = d.Client();
  for (int i = 0; i < 40; ++i) c.Ok("session.register", {});
  int64_t oldest = 0;
  for (int i = 0; i < 200 && oldest < 31; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    oldest = c.Ok("status").at("oldest_rev").as_int64();
  }
  EXPECT_EQ(oldest, 31);
  bj::value r = c.Call("watch", {{"since", 5}});
  EXPECT_EQ(r.at("error").at("code"), -32005);
  EXPECT_EQ(r.at("error").at("data").at("reason"), "compacted");
  EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("31"), std::string::npos);
  EXPECT_TRUE(c.Call("watch", {{"since", 30}}).as_object().contains("result"));
}

// A write made by another program — the sqlite3 shell on the file, the
// dqlite shell on the node — reaches watchers within notify_poll_ms.
TEST_P(DaemonWatch, WritesFromTheEnginesShellAppearInTheFeed) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient w = d.Client();
  w.Ok("watch");
  ASSERT_EQ(d.Shell("INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
                    "VALUES ('ext', 'external', 1, 1, 1, 1000)"),
            0);
  auto ev = Events(w, 1, 5000);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].at("key"), "ext");
  EXPECT_EQ(ev[0].at("op"), "insert");
}

TEST_P(DaemonWatch, ShutdownTellsWatchersAndRemovesTheSocket) {
  Daemon d({}, GetParam());
  d.Start();
  RpcClient w = d.Client();
  w.Ok("watch");
  ::kill(d.pid(), SIGTERM);
  bj::value n = w.Next(5000);
  ASSERT_FALSE(n.is_null());
  EXPECT_EQ(n.at("method"), "watch.error");
  EXPECT_EQ(n.at("params").at("reason"), "unavailable");
  EXPECT_EQ(d.Stop(), 0);
  EXPECT_FALSE(std::filesystem::exists(d.socket()));
}

TEST_P(DaemonWatch, IdleWatchersGetProgressWithTheCurrentRev) {
  testing::Daemon d({}, GetParam());
  d.Config({{"progress_interval_ms", 100}});
  d.Start();
  testing::RpcClient c = d.Client(), w = d.Client();
  c.Ok("session.register", {{"name", "a"}});
  w.Ok("watch", {{"entities", boost::json::array{"log"}}});  // nothing it watches will change
  c.Ok("session.register", {{"name", "b"}});
  boost::json::value progress;
  for (int i = 0; i < 50 && progress.is_null(); ++i) {
    boost::json::value n = w.Next(200);
    if (!n.is_null() && n.at("method") == "watch.progress") progress = n.at("params");
  }
  ASSERT_FALSE(progress.is_null());
  EXPECT_EQ(progress.at("rev"), 2);  // it has seen the feed up to the second registration
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonWatch, ROSTER_BOTH_ENGINES);

}  // namespace
}  // namespace roster

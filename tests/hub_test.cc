// hub_test.cc — the hub and its subscribers in each of their states, on the
// io thread's side only: a fake feed stands for the database (its reads are
// answered when the test says, as the reader pool answers later) and the
// test pulls each connection's lines as its socket would. Live delivery,
// catch-up from disk (since, a gap, a queue that would overflow), the horizon
// and new incarnations (compacted), snapshots, progress, and the connection's
// WatchSet letting watches go.
#include "daemon/hub.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>

#include "daemon/watch_set.h"

namespace roster {
namespace {

namespace json = boost::json;
using daemon::FeedBatch;
using daemon::FeedReader;
using daemon::Subscriber;
using daemon::WatchFilter;

// The durable feed. Reads are queued and answered by Settle(), never inside
// the call (the FeedReader contract).
class FakeFeed : public FeedReader {
 public:
  std::vector<Change> rows;  // rev order; rows at or below the horizon are gone
  int64_t horizon = 0;       // compacted up to here
  std::string feed_id = "feed-1";
  int reads = 0;  // every ReadFeed and ReadSnapshot asked for

  // Commits `n` changes of `entity` (keys k<rev>) and returns their batch,
  // as the FeedPublisher would post it.
  FeedBatch Commit(int n, const std::string& entity = "session") {
    const int64_t from = head();
    auto changes = std::make_shared<std::vector<Change>>();
    for (int i = 0; i < n; ++i) {
      const int64_t rev = head() + 1;
      Change c{.rev = rev,
               .ts = 1000 + rev,
               .entity = entity,
               .op = "insert",
               .key = "k" + std::to_string(rev),
               .session_id = std::nullopt,
               .data = R"({"n":)" + std::to_string(rev) + "}"};
      rows.push_back(c);
      changes->push_back(c);
    }
    return FeedBatch{from, head(), changes, nullptr, ""};
  }
  int64_t head() const { return rows.empty() ? horizon : rows.back().rev; }
  // Drops every row at or below `rev` (compaction).
  void Compact(int64_t rev) {
    horizon = rev;
    std::erase_if(rows, [rev](const Change& c) { return c.rev <= rev; });
  }
  size_t pending() const { return queue_.size(); }
  // Answers queued reads, and those they lead to, until none is left.
  void Settle() {
    while (!queue_.empty()) {
      auto read = std::move(queue_.front());
      queue_.pop_front();
      read();
    }
  }

  void ReadFeed(int64_t after, int64_t limit, std::function<void(Result<FeedPage>)> done) override {
    ++reads;
    queue_.push_back([this, after, limit, done] {
      FeedPage page{{}, horizon + 1, head(), feed_id};
      for (const auto& c : rows) {
        if (c.rev > after && static_cast<int64_t>(page.rows.size()) < limit) page.rows.push_back(c);
      }
      done(std::move(page));
    });
  }
  void ReadSnapshot(const WatchFilter& filter,
                    std::function<void(Result<Snapshot>)> done) override {
    ++reads;
    queue_.push_back([this, filter, done] {
      Snapshot snap{head(), horizon + 1, feed_id, {}};
      for (const auto& c : current) {
        if (filter.entities.empty() || filter.entities.count(c.entity)) snap.rows.push_back(c);
      }
      done(std::move(snap));
    });
  }
  std::vector<Change> current;  // what a snapshot reads

 private:
  std::deque<std::function<void()>> queue_;
};

// A connection: its sink and its watches, whose lines the test pulls.
struct Client : daemon::LineSink {
  explicit Client(daemon::Hub& hub) : watches(std::make_shared<daemon::WatchSet>(hub)) {}
  void Pump() override { ++pumps; }
  void SchedulePump() override { ++scheduled; }

  // Every line queued now, parsed.
  std::vector<json::object> Lines() {
    std::string out;
    watches->PopLinesInto(&out, SIZE_MAX);
    std::vector<json::object> lines;
    size_t start = 0;
    for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(json::parse(std::string_view(out).substr(start, nl - start)).as_object());
    }
    return lines;
  }
  // The revs of the watch.event lines queued now (and fails on any other line).
  std::vector<int64_t> EventRevs() {
    std::vector<int64_t> revs;
    for (const auto& l : Lines()) {
      EXPECT_EQ(l.at("method"), "watch.event") << json::serialize(l);
      revs.push_back(l.at("params").at("rev").as_int64());
    }
    return revs;
  }

  std::shared_ptr<daemon::WatchSet> watches;
  int pumps = 0, scheduled = 0;
};

std::variant<int64_t, std::string> Detail(const Status& s, const std::string& key) {
  for (const auto& [k, v] : s.details()) {
    if (k == key) return v;
  }
  ADD_FAILURE() << "no detail " << key << " in " << s.ToString();
  return std::string();
}

struct HubTest : ::testing::Test {
  FakeFeed feed;
  daemon::Hub hub{feed, /*max_subscribers=*/8, /*max_queue=*/100};
  std::shared_ptr<Client> client = std::make_shared<Client>(hub);

  // Opens a watch of `client` and returns where its answer will be.
  std::shared_ptr<std::optional<Result<json::value>>> Open(
      Subscriber::Start how, int64_t since = 0, WatchFilter filter = {},
      std::optional<std::string> feed_id = std::nullopt, std::shared_ptr<Client> c = nullptr) {
    if (!c) c = client;
    auto answer = std::make_shared<std::optional<Result<json::value>>>();
    c->watches->Open(std::move(filter), how, since, std::move(feed_id), c,
                     [answer](Result<json::value> r) { *answer = std::move(r); });
    return answer;
  }
  // Opens and settles a watch that must start; returns its result.
  json::object Started(Subscriber::Start how, int64_t since = 0, WatchFilter filter = {},
                       std::shared_ptr<Client> c = nullptr) {
    auto answer = Open(how, since, std::move(filter), std::nullopt, std::move(c));
    feed.Settle();
    EXPECT_TRUE(answer->has_value());
    if (!answer->has_value() || !(*answer)->ok()) {
      ADD_FAILURE() << "refused: " << (answer->has_value() ? (*answer)->status().ToString() : "");
      return {};
    }
    return (*answer)->value().as_object();
  }
  std::vector<int64_t> Revs(int64_t from, int64_t to) {
    std::vector<int64_t> revs;
    for (int64_t r = from; r <= to; ++r) revs.push_back(r);
    return revs;
  }
  // The mode status reports for the i-th watch of `h` ("gone" when it has none).
  static std::string Mode(const daemon::Hub& h, size_t i = 0) {
    json::array stats = h.Stats();
    return stats.size() <= i ? "gone" : std::string(stats[i].at("mode").as_string());
  }
  std::string Mode() { return Mode(hub); }
};

// ---------------------------------------------------------------- live

TEST_F(HubTest, ALiveWatchStartsAtThePublishedRevAndGetsEveryLaterMatchingChangeOnce) {
  hub.Publish(feed.Commit(3));  // before the watch: not its business
  json::object started = Started(Subscriber::Start::kLive, 0, {.entities = {"session"}});
  EXPECT_EQ(started.at("rev"), 3);
  EXPECT_EQ(started.at("feed_id"), "feed-1");
  EXPECT_EQ(Mode(), "live");
  EXPECT_TRUE(client->Lines().empty());

  hub.Publish(feed.Commit(2));          // 4, 5
  hub.Publish(feed.Commit(1, "team"));  // 6: filtered out
  hub.Publish(feed.Commit(1));          // 7
  EXPECT_EQ(feed.reads, 1);             // its start only: live events never touch the disk
  EXPECT_GT(client->scheduled, 0);
  std::vector<json::object> lines = client->Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::serialize(lines[0]),
            R"({"jsonrpc":"2.0","method":"watch.event","params":{"watch_id":1,"rev":4,"ts":1004,)"
            R"("entity":"session","op":"insert","key":"k4","data":{"n":4}}})");
  EXPECT_EQ(lines[1].at("params").at("rev"), 5);
  EXPECT_EQ(lines[2].at("params").at("rev"), 7);

  FeedBatch again{3, 5,
                  std::make_shared<std::vector<Change>>(
                      std::vector<Change>(feed.rows.begin() + 3, feed.rows.begin() + 5))};
  hub.Publish(again);  // a batch at or below its position is nothing new
  EXPECT_TRUE(client->Lines().empty());
}

TEST_F(HubTest, BatchesPublishedWhileALiveWatchStartsReachItOnceItIsLive) {
  hub.Publish(feed.Commit(2));
  auto answer = Open(Subscriber::Start::kLive);
  hub.Publish(feed.Commit(2));  // 3, 4: its start read is not back yet
  EXPECT_EQ(Mode(), "starting");
  feed.Settle();
  ASSERT_TRUE(answer->has_value() && (*answer)->ok());
  EXPECT_EQ((*answer)->value().at("rev"), 2);  // the rev its first event follows
  EXPECT_EQ(client->EventRevs(), Revs(3, 4));
  EXPECT_EQ(Mode(), "live");
  EXPECT_EQ(feed.reads, 1);  // held and replayed, not read again from disk
  EXPECT_EQ(hub.Stats()[0].at("catchups"), 0);
}

TEST_F(HubTest, EachWatchOfAConnectionGetsItsOwnLines) {
  Started(Subscriber::Start::kLive, 0, {.entities = {"session"}});
  Started(Subscriber::Start::kLive, 0, {.entities = {"team"}});
  hub.Publish(feed.Commit(1, "team"));
  hub.Publish(feed.Commit(1, "session"));
  std::vector<json::object> lines = client->Lines();  // watch by watch
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("params").at("watch_id"), 1);
  EXPECT_EQ(lines[0].at("params").at("rev"), 2);
  EXPECT_EQ(lines[1].at("params").at("watch_id"), 2);
  EXPECT_EQ(lines[1].at("params").at("rev"), 1);
}

// ---------------------------------------------------------------- catching up

TEST_F(HubTest, AWatchWithSinceReadsPagesFromDiskThenReplaysWhatWasPublishedMeanwhile) {
  for (int i = 0; i < 5; ++i) hub.Publish(feed.Commit(500));  // 1..2500: three pages
  auto answer = Open(Subscriber::Start::kSince, 100);
  feed.Settle();
  ASSERT_TRUE(answer->has_value() && (*answer)->ok());
  EXPECT_EQ((*answer)->value().at("rev"), 2500);  // the head
  // Its first page is read; it waits for the page to be written out before
  // it reads the next, and takes live batches meanwhile without delivering them.
  EXPECT_EQ(Mode(), "catching_up");
  hub.Publish(feed.Commit(5));  // 2501..2505
  std::vector<int64_t> revs = client->EventRevs();
  EXPECT_EQ(revs, Revs(101, 1100));
  EXPECT_EQ(feed.pending(), 1u);  // the next page, asked for once the queue drained
  while (feed.pending() > 0) {
    hub.Publish(feed.Commit(1));
    feed.Settle();
    for (int64_t r : client->EventRevs()) revs.push_back(r);
  }
  EXPECT_EQ(Mode(), "live");
  hub.Publish(feed.Commit(1));
  for (int64_t r : client->EventRevs()) revs.push_back(r);
  EXPECT_EQ(revs, Revs(101, feed.head()));  // every rev once, in order
  EXPECT_EQ(hub.Stats()[0].at("caught_up"), feed.head() - 1 - 100);
}

TEST_F(HubTest, ALiveBatchAfterAGapIsReadFromDiskInstead) {
  Started(Subscriber::Start::kLive);
  hub.Publish(feed.Commit(1));  // 1
  feed.Commit(2);               // 2, 3: never reach this hub as a batch
  hub.Publish(feed.Commit(1));  // (3, 4]: starts past its position
  EXPECT_EQ(client->EventRevs(), Revs(1, 1));
  EXPECT_EQ(Mode(), "catching_up");
  feed.Settle();
  EXPECT_EQ(client->EventRevs(), Revs(2, 4));
  EXPECT_EQ(Mode(), "live");
  EXPECT_EQ(hub.Stats()[0].at("catchups"), 1);
}

TEST_F(HubTest, AWatchWhoseQueueWouldOverflowCatchesUpOnceItDrainedAndLosesNothing) {
  daemon::Hub small{feed, 8, /*max_queue=*/4};
  auto slow = std::make_shared<Client>(small);
  auto other = std::make_shared<Client>(small);
  Started(Subscriber::Start::kLive, 0, {.entities = {"session"}}, slow);
  Started(Subscriber::Start::kLive, 0, {.entities = {"team"}}, other);
  auto publish = [&](int n, const std::string& entity) { small.Publish(feed.Commit(n, entity)); };
  publish(3, "session");  // 1..3 queued, not written yet
  publish(3, "session");  // 4..6 would make 6 > 4: catch-up, after the queue drains
  publish(1, "team");     // 7: the other watch is not held up
  EXPECT_EQ(Mode(small, 0), "catching_up");
  EXPECT_EQ(Mode(small, 1), "live");
  EXPECT_EQ(other->EventRevs(), Revs(7, 7));
  EXPECT_EQ(feed.pending(), 0u);  // nothing is read while its queue still holds lines
  EXPECT_EQ(slow->EventRevs(), Revs(1, 3));
  EXPECT_EQ(feed.pending(), 1u);  // drained: now it reads
  feed.Settle();
  EXPECT_EQ(slow->EventRevs(), Revs(4, 6));
  EXPECT_EQ(Mode(small, 0), "live");
  EXPECT_EQ(small.Stats()[0].at("catchups"), 1);
  slow->watches->CloseAll();
  other->watches->CloseAll();
}

// ---------------------------------------------------------------- compaction

TEST_F(HubTest, AWatchThatFellBehindTheHorizonWhileCatchingUpIsClosedAsCompacted) {
  Started(Subscriber::Start::kLive);
  hub.Publish(feed.Commit(1));
  feed.Commit(5);  // 2..6 missed
  hub.Publish(feed.Commit(1));
  feed.Compact(4);  // before its catch-up read is answered
  client->Lines();
  feed.Settle();
  std::vector<json::object> lines = client->Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(
      json::serialize(lines[0]),
      R"({"jsonrpc":"2.0","method":"watch.error","params":{"watch_id":1,"reason":"compacted",)"
      R"("message":"this watch fell behind the compaction horizon at rev 1; the oldest rev )"
      R"(kept is 5","oldest_rev":5}})");
  EXPECT_TRUE(hub.Stats().empty());        // the hub let it go
  EXPECT_FALSE(client->watches->empty());  // the connection holds it until unwatch
  EXPECT_TRUE(client->watches->Close(1).ok());
  EXPECT_TRUE(client->watches->empty());
}

TEST_F(HubTest, AStartTheFeedCannotServeIsRefusedAsCompactedWithItsCause) {
  hub.Publish(feed.Commit(10));
  feed.Compact(4);
  struct Case {
    int64_t since;
    std::optional<std::string> feed_id;
    const char* cause;
  };
  for (const Case& c :
       {Case{2, std::nullopt, "behind_horizon"}, Case{11, std::nullopt, "ahead_of_head"},
        Case{5, std::string("feed-0"), "feed_changed"}}) {
    auto answer = Open(Subscriber::Start::kSince, c.since, {}, c.feed_id);
    feed.Settle();
    ASSERT_TRUE(answer->has_value());
    ASSERT_FALSE((*answer)->ok()) << c.cause;
    const Status& s = (*answer)->status();
    EXPECT_EQ(s.code(), Code::kCompacted) << c.cause;
    EXPECT_EQ(std::get<std::string>(Detail(s, "cause")), c.cause);
    EXPECT_EQ(std::get<int64_t>(Detail(s, "oldest_rev")), 5) << c.cause;
    EXPECT_EQ(std::get<int64_t>(Detail(s, "rev")), 10) << c.cause;
    EXPECT_EQ(std::get<std::string>(Detail(s, "feed_id")), "feed-1") << c.cause;
    EXPECT_TRUE(hub.Stats().empty()) << c.cause;
    EXPECT_TRUE(client->watches->empty()) << c.cause;  // released: unwatch finds nothing
  }
  Started(Subscriber::Start::kSince, 4);  // rev 5 on is all kept
  EXPECT_EQ(client->EventRevs(), Revs(5, 10));
}

TEST_F(HubTest, ANewIncarnationClosesEveryWatchAsCompactedPastItsHorizon) {
  Started(Subscriber::Start::kLive);
  hub.Publish(feed.Commit(2));
  FeedBatch restored = feed.Commit(1);
  restored.from_rev = 100;
  restored.to_rev = 101;
  restored.new_feed_id = "feed-2";
  hub.Publish(restored);
  std::vector<json::object> lines = client->Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].at("method"), "watch.error");
  EXPECT_EQ(lines[2].at("params").at("reason"), "compacted");
  EXPECT_EQ(lines[2].at("params").at("oldest_rev"), 101);
  EXPECT_TRUE(hub.Stats().empty());
  EXPECT_EQ(hub.published_rev(), 101);
}

// ---------------------------------------------------------------- snapshot, progress

TEST_F(HubTest, ASnapshotSendsTheCurrentRowsItSelectsThenSyncedThenLiveEvents) {
  hub.Publish(feed.Commit(3));
  feed.current = {{.rev = 0, .entity = "session", .op = "snapshot", .key = "a", .data = "{}"},
                  {.rev = 0, .entity = "session", .op = "snapshot", .key = "b", .data = "{}"},
                  {.rev = 0, .entity = "team", .op = "snapshot", .key = "t", .data = "{}"}};
  EXPECT_EQ(Started(Subscriber::Start::kSnapshot, 0, {.entities = {"session"}}).at("rev"), 3);
  Started(Subscriber::Start::kSnapshot, 0, {.entities = {"session"}, .key = "b"});
  hub.Publish(feed.Commit(1));  // 4, key k4
  std::vector<json::object> lines = client->Lines();
  auto said = [&](size_t i) {
    const json::object& p = lines.at(i).at("params").as_object();
    return std::string(lines[i].at("method").as_string()) + " " +
           json::serialize(p.at("watch_id")) + " " +
           (p.contains("key") ? std::string(p.at("key").as_string()) + " " : "") +
           json::serialize(p.at("rev"));
  };
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(said(0), "watch.event 1 a 0");
  EXPECT_EQ(lines[0].at("params").at("op"), "snapshot");
  EXPECT_EQ(said(1), "watch.event 1 b 0");
  EXPECT_EQ(json::serialize(lines[2]),
            R"({"jsonrpc":"2.0","method":"watch.synced","params":{"watch_id":1,"rev":3}})");
  EXPECT_EQ(said(3), "watch.event 1 k4 4");
  EXPECT_EQ(said(4), "watch.event 2 b 0");  // its key filter applies to the snapshot
  EXPECT_EQ(said(5), "watch.synced 2 3");   // and to live events (k4)
}

TEST_F(HubTest, AQuietLiveWatchIsSentProgressOncePerTickWithoutEvents) {
  Started(Subscriber::Start::kLive);
  hub.Publish(feed.Commit(1));
  EXPECT_EQ(client->EventRevs(), Revs(1, 1));
  hub.ProgressTick();  // it sent an event since the last tick: no progress
  EXPECT_TRUE(client->Lines().empty());
  hub.ProgressTick();
  std::vector<json::object> lines = client->Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(json::serialize(lines[0]),
            R"({"jsonrpc":"2.0","method":"watch.progress","params":{"watch_id":1,"rev":1}})");
}

// ---------------------------------------------------------------- the connection's set

TEST_F(HubTest, AWatchLetGoBeforeItsStartReadIsBackIsAnsweredAndSendsNothing) {
  auto answer = Open(Subscriber::Start::kSince, 0);
  hub.Publish(feed.Commit(1));
  ASSERT_TRUE(client->watches->Close(1).ok());  // unwatch, pipelined
  EXPECT_TRUE(hub.Stats().empty());
  EXPECT_EQ(client->watches->Close(1).code(), Code::kNotFound);
  feed.Settle();
  ASSERT_TRUE(answer->has_value());
  EXPECT_TRUE((*answer)->ok());  // the client still learns its id
  hub.Publish(feed.Commit(1));
  EXPECT_TRUE(client->Lines().empty());
}

TEST_F(HubTest, AClosingConnectionLetsEveryWatchGoAndMaxSubscribersCountsOnlyOpenOnes) {
  daemon::Hub two{feed, /*max_subscribers=*/2, 100};
  auto a = std::make_shared<Client>(two);
  auto b = std::make_shared<Client>(two);
  Started(Subscriber::Start::kLive, 0, {}, a);
  Started(Subscriber::Start::kLive, 0, {}, a);
  auto refused = Open(Subscriber::Start::kLive, 0, {}, std::nullopt, b);
  ASSERT_TRUE(refused->has_value());  // at once: no read
  EXPECT_EQ((*refused)->status().message(),
            "already 2 watches (max_subscribers); close some first");
  EXPECT_TRUE(b->watches->empty());
  a->watches->CloseAll();
  EXPECT_TRUE(a->watches->empty());
  EXPECT_TRUE(two.Stats().empty());
  two.Publish(feed.Commit(1));
  EXPECT_FALSE(a->watches->HasLine());
  Started(Subscriber::Start::kLive, 0, {}, b);
  b->watches->CloseAll();
}

}  // namespace
}  // namespace roster

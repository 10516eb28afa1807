// dqlite_registry_test.cc — Roster's Registry on a dqlite node, as the dqlite
// engine runs it: the round trips a group-commit batch pays, a log entry
// whose commit answer was lost, retried with its request key, applied once
// whether the node had committed it or not, and the writer's answer to a
// batch whose commit answer was lost.
#include <future>

#include "daemon/writer.h"
#include "dqlite_fixture.h"
#include "store/dqlite_database.h"
#include "store/migrations.h"
#include "store/registry.h"

namespace roster::testing {
namespace {

using namespace std::chrono_literals;
using store::DqliteDatabase;
using store::Registry;
namespace json = boost::json;

// A migrated Registry on `nodes`; *db is its database (owned by the Registry).
std::unique_ptr<Registry> OpenRegistry(const std::vector<std::string>& nodes,
                                       DqliteDatabase** db = nullptr) {
  DqliteDatabase::Options o;
  o.client.nodes = nodes;
  o.client.database = "roster";
  o.client.call_timeout = 5s;
  o.client.connect_timeout = 5s;
  o.client.attempt_timeout = 500ms;
  auto opened = DqliteDatabase::Open(o);
  if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
  if (Status s = store::Migrate(**opened, "test"); !s.ok()) throw std::runtime_error(s.ToString());
  if (db) *db = opened->get();
  return std::make_unique<Registry>(std::move(opened).value(), store::RegistryOptions{});
}

TEST(DqliteRegistry, APlainHeartbeatInABatchIsOneRoundTrip) {
  DqliteCluster cluster(1);
  DqliteDatabase* db = nullptr;
  auto reg = OpenRegistry(cluster.addresses(), &db);
  ASSERT_TRUE(reg->Register({.id = "s", .name = "s"}).ok());
  ASSERT_TRUE(reg->BeginBatch().ok());
  ASSERT_TRUE(reg->Heartbeat({.session = "s"}).ok());  // prepares what it needs
  const uint64_t before = db->round_trips();
  for (int i = 0; i < 10; ++i) {
    auto hb = reg->Heartbeat({.session = "s"});
    ASSERT_TRUE(hb.ok()) << hb.status().ToString();
    EXPECT_EQ(hb->status, "active");
    EXPECT_EQ(hb->rev, 1);
  }
  EXPECT_EQ(db->round_trips() - before, 10u);  // each: SAVEPOINT, UPDATE, its row and rev
  ASSERT_TRUE(reg->CommitBatch().ok());
}

// The node may or may not have committed the batch that held the append;
// the client retries it with the same key: exactly one entry either way.
void RetriedAppendIsAppliedOnce(bool node_committed) {
  DqliteCluster cluster(1);
  CuttingProxy proxy(cluster.address(1));
  auto reg = OpenRegistry({proxy.address()});
  ASSERT_TRUE(reg->Register({.id = "s", .name = "s"}).ok());
  int runs = 0;
  auto append = [&]() -> Result<std::string> {
    ++runs;
    auto r = reg->LogAppend("s", "note", json::value("once"));
    if (!r.ok()) return r.status();
    return "seq " + std::to_string(r->seq);
  };
  ASSERT_TRUE(reg->BeginBatch().ok());
  ASSERT_EQ(reg->ApplyOnce("key", "fp", append).value(), "seq 1");
  if (node_committed) {
    proxy.CutAtAnswerTo("COMMIT");
  } else {
    proxy.CutBefore("COMMIT");
  }
  Status commit = reg->CommitBatch();
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.code(), Code::kUnavailable);
  EXPECT_TRUE(IsUnknownOutcome(commit)) << commit.ToString();
  EXPECT_EQ(proxy.cuts(), 1);
  EXPECT_FALSE(reg->InBatch());

  ASSERT_TRUE(reg->BeginBatch().ok());  // on a new connection
  auto again = reg->ApplyOnce("key", "fp", append);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, "seq 1");
  EXPECT_EQ(runs, node_committed ? 1 : 2);  // answered from the key, or applied now
  ASSERT_TRUE(reg->CommitBatch().ok());
  auto entries = reg->LogRead({.session = "s"});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->entries.size(), 1u);
}

TEST(DqliteRegistry, AnAppendWhoseCommitAnswerWasLostIsAppliedOnceByItsRetry) {
  RetriedAppendIsAppliedOnce(/*node_committed=*/true);
}

TEST(DqliteRegistry, AnAppendWhoseCommitNeverReachedTheNodeIsAppliedByItsRetry) {
  RetriedAppendIsAppliedOnce(/*node_committed=*/false);
}

// The writer answers the writes of a batch whose COMMIT answer was lost
// "unavailable, cause unknown_outcome" — never "not committed", since the
// node may have committed them — and a write that failed in its own
// savepoint keeps its own error (it was not applied either way).
TEST(DqliteRegistry, TheWriterAnswersABatchWithALostCommitAnswerUnknownOutcome) {
  DqliteCluster cluster(1);
  CuttingProxy proxy(cluster.address(1));
  auto reg = OpenRegistry({proxy.address()});
  ASSERT_TRUE(reg->Register({.id = "s", .name = "s"}).ok());
  std::promise<void> committing;
  daemon::Writer writer(std::move(reg), 16,
                        {.before_commit =
                             [&](Registry&) {
                               proxy.CutAtAnswerTo("COMMIT");
                               return Status::Ok();
                             },
                         .after_batch = nullptr});
  std::promise<Result<std::string>> appended, refused;
  writer.Submit(
      [](Registry& r) -> Result<std::string> {
        auto a = r.LogAppend("s", "k", json::value(1));
        if (!a.ok()) return a.status();
        return std::to_string(a->seq);
      },
      [&](Result<std::string> r) { appended.set_value(std::move(r)); });
  writer.Submit([](Registry& r) -> Result<std::string> { return r.Get("nobody").status(); },
                [&](Result<std::string> r) { refused.set_value(std::move(r)); });
  writer.Start();
  Result<std::string> a = appended.get_future().get();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kUnavailable);
  EXPECT_TRUE(IsUnknownOutcome(a.status())) << a.status().ToString();
  EXPECT_EQ(a.status().message().find("not committed"), std::string::npos) << a.status().message();
  EXPECT_NE(a.status().message().find("may or may not"), std::string::npos) << a.status().message();
  Result<std::string> r = refused.get_future().get();
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  writer.Stop();
  EXPECT_EQ(proxy.cuts(), 1);
}

}  // namespace
}  // namespace roster::testing

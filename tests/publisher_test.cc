// publisher_test.cc — the feed publisher: a writer batch's rows, read inside
// its transaction, are posted only once it committed, exactly once even when
// the notifier reads them first, and in contiguous rev order.
#include "daemon/publisher.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;

// A publisher whose io thread is the test itself: posted functions run when
// RunPosted() is called, and published batches are recorded.
struct PublisherHarness {
  RegistryHarness h;
  std::vector<std::function<void()>> posted;
  std::vector<daemon::FeedBatch> batches;
  int thens = 0;
  daemon::FeedPublisher publisher{h.Rev(),
                                  [this](std::function<void()> fn) { posted.push_back(fn); },
                                  [this](const daemon::FeedBatch& b) { batches.push_back(b); }};

  void RunPosted() {
    for (auto& fn : posted) fn();
    posted.clear();
  }
  std::function<void()> Then() {
    return [this] { ++thens; };
  }
  // Registers `name` as one writer batch and publishes it as the writer does.
  void RegisterInBatch(const std::string& name, bool commit) {
    ASSERT_OK(h.reg->BeginBatch());
    ASSERT_OK(h.reg->Register({.id = name, .name = name}));
    publisher.CollectInBatch(*h.reg);
    if (commit) {
      ASSERT_OK(h.reg->CommitBatch());
    } else {
      h.reg->RollbackBatch();  // what the writer does when its COMMIT fails
    }
    publisher.PublishCollected(commit, Then());
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    for (const auto& b : batches)
      for (const auto& c : *b.changes) keys.push_back(c.key);
    return keys;
  }
};

TEST(FeedPublisher, CommittedBatchIsPostedWithItsCompletionsInOneFunction) {
  PublisherHarness p;
  const int64_t start = p.h.Rev();
  p.RegisterInBatch("a", /*commit=*/true);
  ASSERT_EQ(p.posted.size(), 1u);
  p.RunPosted();
  EXPECT_EQ(p.thens, 1);
  ASSERT_EQ(p.batches.size(), 1u);
  EXPECT_EQ(p.batches[0].from_rev, start);
  EXPECT_EQ(p.batches[0].to_rev, p.h.Rev());
  EXPECT_EQ(p.Keys(), std::vector<std::string>{"a"});
}

TEST(FeedPublisher, RowsOfABatchThatDidNotCommitAreNeverPosted) {
  PublisherHarness p;
  const int64_t start = p.h.Rev();
  p.RegisterInBatch("lost", /*commit=*/false);
  p.RunPosted();
  EXPECT_EQ(p.thens, 1);  // its completions still run (with their errors)
  EXPECT_TRUE(p.batches.empty());
  p.RegisterInBatch("kept", /*commit=*/true);
  p.RunPosted();
  ASSERT_EQ(p.batches.size(), 1u);
  EXPECT_EQ(p.batches[0].from_rev, start);  // contiguous: the lost rev was never published
  EXPECT_EQ(p.Keys(), std::vector<std::string>{"kept"});
}

// Between a batch's COMMIT and its PublishCollected the notifier may see the
// commit (data_version moved) and publish the same rows through its own
// connection; they must reach subscribers once.
TEST(FeedPublisher, RowsTheNotifierPublishedFirstAreNotPostedAgain) {
  PublisherHarness p;
  auto notifier_conn = store::Connection::Open({.path = p.h.db, .migrate = false});
  ASSERT_TRUE(notifier_conn.ok());
  store::Registry notifier(std::move(notifier_conn).value(), {});
  ASSERT_OK(p.h.reg->BeginBatch());
  ASSERT_OK(p.h.reg->Register({.id = "a", .name = "a"}));
  p.publisher.CollectInBatch(*p.h.reg);
  ASSERT_OK(p.h.reg->CommitBatch());
  p.publisher.DrainAndPost(notifier, {});  // the notifier wins the race
  p.publisher.PublishCollected(true, p.Then());
  p.RunPosted();
  EXPECT_EQ(p.thens, 1);
  EXPECT_EQ(p.Keys(), std::vector<std::string>{"a"});
}

// An outside commit that the notifier has not published yet is read by the
// next writer batch (it sees every committed row) and posted first, in order.
TEST(FeedPublisher, WriterBatchAlsoPostsEarlierOutsideCommitsInRevOrder) {
  PublisherHarness p;
  {
    SQLite::Database shell(p.h.db, SQLite::OPEN_READWRITE);
    shell.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('shell', 'shell', 1, 1, 1, 1000)");
  }
  p.RegisterInBatch("daemon", /*commit=*/true);
  p.RunPosted();
  EXPECT_EQ(p.Keys(), (std::vector<std::string>{"shell", "daemon"}));
}

}  // namespace
}  // namespace roster

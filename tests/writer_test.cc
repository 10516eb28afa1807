// writer_test.cc — the group-commit writer's batching: the group wait that
// lets depth-1 clients share one commit, and its time limit.
#include "daemon/writer.h"

#include <condition_variable>
#include <mutex>

#include "test_util.h"

namespace roster {
namespace {

using namespace std::chrono_literals;

// Counts completions and lets a test wait for a number of them.
class Completions {
 public:
  daemon::WriteDone Done() {
    return [this](Result<std::string> r) {
      std::lock_guard lock(mu_);
      if (r.ok()) ++ok_;
      cv_.notify_all();
    };
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return ok_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int ok_ = 0;
};

daemon::WriteOp Noop() {
  return [](store::Registry&) -> Result<std::string> { return std::string("null"); };
}

// Runs one batch of three, then one write followed 50 ms later by two more;
// returns how many batches the writer committed in all.
uint64_t BatchesForOneThenTwo(std::chrono::microseconds group_wait) {
  testing::RegistryHarness h;
  daemon::Writer w(std::move(h.reg), 100, {}, group_wait);
  Completions c;
  for (int i = 0; i < 3; ++i) w.Submit(Noop(), c.Done());
  w.Start();  // the three queued before the start make one batch
  EXPECT_TRUE(c.WaitFor(3));
  w.Submit(Noop(), c.Done());
  std::this_thread::sleep_for(50ms);
  w.Submit(Noop(), c.Done());
  w.Submit(Noop(), c.Done());
  EXPECT_TRUE(c.WaitFor(6));
  w.Stop();
  return w.batches();
}

TEST(Writer, GroupWaitHoldsALoneWriteForAsManyAsTheLastBatch) {
  EXPECT_EQ(BatchesForOneThenTwo(std::chrono::seconds(5)), 2u);  // {3}, {1 + 2}
}

TEST(Writer, WithoutGroupWaitALoneWriteCommitsAtOnce) {
  EXPECT_GE(BatchesForOneThenTwo(0us), 3u);  // {3}, {1}, then the two (together or not)
}

TEST(Writer, GroupWaitGivesUpAfterItsTime) {
  testing::RegistryHarness h;
  daemon::Writer w(std::move(h.reg), 100, {}, std::chrono::microseconds(20ms));
  Completions c;
  for (int i = 0; i < 3; ++i) w.Submit(Noop(), c.Done());
  w.Start();
  ASSERT_TRUE(c.WaitFor(3));
  w.Submit(Noop(), c.Done());  // nobody follows: it commits alone once the wait ends
  EXPECT_TRUE(c.WaitFor(4));
  w.Stop();
  EXPECT_EQ(w.batches(), 2u);
}

}  // namespace
}  // namespace roster

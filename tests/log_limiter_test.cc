// log_limiter_test.cc — a repeating log line is written a few times per
// window, lines that differ only in their numbers count as one, and the next
// line written says how many were left out.
#include "util/log_limiter.h"

#include <gtest/gtest.h>

namespace roster {
namespace {

using Clock = std::chrono::steady_clock;

TEST(LogLimiter, ARepeatingLineIsWrittenABurstPerWindowThenCounted) {
  LogLimiter l;
  const Clock::time_point t0 = Clock::now();
  int written = 0;
  for (int i = 0; i < 1000; ++i) {
    if (l.Admit("accept failed: Too many open files (" + std::to_string(i) + " open)", t0)) {
      ++written;
    }
  }
  EXPECT_EQ(written, LogLimiter::kBurst);
  // Another shape is not held back by it.
  EXPECT_TRUE(l.Admit("rosterd ready", t0));
  auto next = l.Admit("accept failed: Too many open files (7 open)", t0 + LogLimiter::kWindow);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next,
            "accept failed: Too many open files (7 open) (995 more like it left out of the "
            "log)");
  EXPECT_EQ(*l.Admit("accept failed: Too many open files (8 open)", t0 + LogLimiter::kWindow),
            "accept failed: Too many open files (8 open)");
}

}  // namespace
}  // namespace roster

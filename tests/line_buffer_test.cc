// line_buffer_test.cc — newline framing of a connection's input.
#include "daemon/line_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace roster::daemon {
namespace {

// Feeds `bytes` in reads of at most `chunk` bytes; returns the lines framed.
std::vector<std::string> Feed(LineBuffer& b, const std::string& bytes, size_t chunk,
                              LineBuffer::Next* last = nullptr) {
  std::vector<std::string> lines;
  size_t at = 0;
  LineBuffer::Next next = LineBuffer::Next::kNeedMore;
  std::string_view line;
  while (true) {
    while ((next = b.Pop(&line)) == LineBuffer::Next::kLine) lines.emplace_back(line);
    if (next == LineBuffer::Next::kTooLong || at == bytes.size()) break;
    auto [data, size] = b.Prepare();
    EXPECT_GE(size, LineBuffer::kMinRead);
    const size_t n = std::min({chunk, size, bytes.size() - at});
    std::memcpy(data, bytes.data() + at, n);
    b.Commit(n);
    at += n;
  }
  if (last) *last = next;
  return lines;
}

TEST(LineBuffer, FramesLinesSplitAcrossReadsAndKeepsAPartialTail) {
  LineBuffer b(1024);
  LineBuffer::Next last;
  auto lines = Feed(b, "one\ntwo\n\nthree and a half\nfour", 3, &last);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "", "three and a half"}));
  EXPECT_EQ(last, LineBuffer::Next::kNeedMore);  // "four" waits for its newline
  EXPECT_EQ(Feed(b, "\n", 1), (std::vector<std::string>{"four"}));
}

TEST(LineBuffer, ManyPipelinedLinesInOneReadComeOutInOrder) {
  LineBuffer b(1 << 20);
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes += std::to_string(i) + std::string(100, 'x') + "\n";
  auto lines = Feed(b, bytes, 1 << 20);
  ASSERT_EQ(lines.size(), 5000u);
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(lines[i], std::to_string(i) + std::string(100, 'x'));
}

TEST(LineBuffer, LineOfExactlyTheLimitIsAcceptedOneByteMoreIsTooLong) {
  LineBuffer ok(10);
  EXPECT_EQ(Feed(ok, std::string(10, 'a') + "\n", 4), (std::vector<std::string>{"aaaaaaaaaa"}));
  LineBuffer complete(10);  // the newline arrived in the same read
  LineBuffer::Next last;
  EXPECT_TRUE(Feed(complete, "ok\n" + std::string(11, 'b') + "\nlater\n", 100, &last) ==
              std::vector<std::string>{"ok"});
  EXPECT_EQ(last, LineBuffer::Next::kTooLong);
  LineBuffer partial(10);  // no newline yet, but already past the limit
  EXPECT_TRUE(Feed(partial, std::string(11, 'c'), 4, &last).empty());
  EXPECT_EQ(last, LineBuffer::Next::kTooLong);
}

TEST(LineBuffer, LongLineArrivingInSmallReadsIsFramedWhole) {
  LineBuffer b(1 << 20);
  const std::string big(300 * 1024, 'z');
  auto lines = Feed(b, big + "\nnext\n", 1000);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], big);
  EXPECT_EQ(lines[1], "next");
}

}  // namespace
}  // namespace roster::daemon

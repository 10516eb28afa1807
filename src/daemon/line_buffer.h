// line_buffer.h — the input side of a client connection: bytes read from the
// socket, framed into newline-terminated lines without copying them.
//
// One contiguous buffer: reads append at the end, lines are handed out as
// views from the front, and the consumed front is dropped (one memmove) only
// when the free tail runs short. A search for '\n' never rescans bytes it has
// already looked at, so a long line arriving in many reads costs O(length).
// Not thread-safe; owned by one connection on the io thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace roster::daemon {

class LineBuffer {
 public:
  // Lines longer than `max_line` bytes (without the '\n') are refused.
  explicit LineBuffer(size_t max_line);

  enum class Next { kLine, kNeedMore, kTooLong };

  // Frames the next complete line. kLine: *line is it, without '\n' (a view
  // into the buffer, valid until the next Prepare()). kNeedMore: no complete
  // line is buffered. kTooLong: the line at the front is, or will be, longer
  // than max_line; nothing more can be framed.
  Next Pop(std::string_view* line);

  // Where the next read may write: at least kMinRead bytes.
  // REQUIRES: the last Pop() returned kNeedMore.
  std::pair<char*, size_t> Prepare();
  // Records that a read wrote `n` bytes at the last Prepare()'s address.
  void Commit(size_t n) { end_ += n; }
  // True while bytes that are not yet a whole line are buffered.
  // Meaningful after Pop() returned kNeedMore.
  bool HasPartialLine() const { return end_ > begin_; }

  static constexpr size_t kMinRead = 16 * 1024;
  // An empty buffer bigger than this (it held a long line) is freed.
  static constexpr size_t kKeepBytes = 256 * 1024;

 private:
  std::vector<char> buf_;
  size_t begin_ = 0;    // first byte of the unconsumed data
  size_t end_ = 0;      // one past the last byte read
  size_t scanned_ = 0;  // bytes after begin_ known to hold no '\n'
  size_t max_line_;
};

}  // namespace roster::daemon

// line_buffer.cc — newline framing of a connection's input (see line_buffer.h).
#include "daemon/line_buffer.h"

#include <algorithm>
#include <cstring>

namespace roster::daemon {

LineBuffer::LineBuffer(size_t max_line) : max_line_(max_line) {}

LineBuffer::Next LineBuffer::Pop(std::string_view* line) {
  const char* base = buf_.data() + begin_;
  const size_t avail = end_ - begin_;
  const void* nl =
      scanned_ < avail ? std::memchr(base + scanned_, '\n', avail - scanned_) : nullptr;
  if (nl == nullptr) {
    scanned_ = avail;
    return avail > max_line_ ? Next::kTooLong : Next::kNeedMore;
  }
  const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - base);
  if (len > max_line_) return Next::kTooLong;
  *line = std::string_view(base, len);
  begin_ += len + 1;
  scanned_ = 0;
  return Next::kLine;
}

std::pair<char*, size_t> LineBuffer::Prepare() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    if (buf_.size() > kKeepBytes) std::vector<char>().swap(buf_);  // after a big line
  }
  if (buf_.size() - end_ < kMinRead && begin_ > 0) {  // drop the consumed front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < kMinRead) buf_.resize(std::max(buf_.size() * 2, end_ + kMinRead));
  return {buf_.data() + end_, buf_.size() - end_};
}

}  // namespace roster::daemon

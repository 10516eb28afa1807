// log_limiter.cc — rate limit by line shape (see log_limiter.h).
#include "util/log_limiter.h"

#include <cctype>

namespace roster {
namespace {

// "write batch of 12 failed after 3 ms" -> "write batch of # failed after # ms".
std::string ShapeOf(const std::string& message) {
  std::string shape;
  shape.reserve(message.size());
  for (size_t i = 0; i < message.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(message[i]))) {
      if (shape.empty() || shape.back() != '#') shape += '#';
      continue;
    }
    shape += message[i];
  }
  return shape;
}

}  // namespace

std::optional<std::string> LogLimiter::Admit(const std::string& message,
                                             std::chrono::steady_clock::time_point now) {
  if (shapes_.size() >= kMaxShapes) shapes_.clear();
  Shape& s = shapes_[ShapeOf(message)];
  if (s.written == 0 || now - s.window_start >= kWindow) {
    s.window_start = now;
    s.written = 0;
  }
  if (s.written >= kBurst) {
    ++s.left_out;
    return std::nullopt;
  }
  ++s.written;
  if (s.left_out == 0) return message;
  std::string out =
      message + " (" + std::to_string(s.left_out) + " more like it left out of the log)";
  s.left_out = 0;
  return out;
}

}  // namespace roster

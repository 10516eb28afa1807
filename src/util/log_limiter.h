// log_limiter.h — keeps a repeating log line from flooding the log (an
// `accept` failing in a loop once wrote 87 million lines). Lines of the same
// shape — their text with every run of digits counted as one — are written
// at most kBurst times per kWindow; the others are counted, and the next line
// of that shape that is written says how many were left out.
//
// Thread-safety: none; Log() holds a mutex around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace roster {

class LogLimiter {
 public:
  static constexpr int kBurst = 5;
  static constexpr std::chrono::seconds kWindow{10};

  // The text to write for `message` at `now`, or nullopt to leave it out.
  std::optional<std::string> Admit(const std::string& message,
                                   std::chrono::steady_clock::time_point now);

 private:
  struct Shape {
    std::chrono::steady_clock::time_point window_start;
    int written = 0;
    int64_t left_out = 0;
  };
  // Bounded: shapes are forgotten wholesale past this many.
  static constexpr size_t kMaxShapes = 4096;
  std::unordered_map<std::string, Shape> shapes_;
};

}  // namespace roster

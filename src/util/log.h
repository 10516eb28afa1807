// log.h — one-line log records to stderr: "2026-11-23T12:00:00.123Z level message",
// or "<6>message" (syslog priority, no timestamp) when stderr is the systemd
// journal ($JOURNAL_STREAM names it).
// Thread-safe (one write(2) per record). The level is process-wide. A line
// that repeats (the same text but for its numbers) is written at most 5
// times per 10 s (util/log_limiter.h).
#pragma once

#include <string>
#include <string_view>

namespace roster {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" or "error"; false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* out);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, const std::string& message);

inline void LogDebug(const std::string& m) {
  if (LogEnabled(LogLevel::kDebug)) Log(LogLevel::kDebug, m);
}
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(const std::string& m) { Log(LogLevel::kWarn, m); }
inline void LogError(const std::string& m) { Log(LogLevel::kError, m); }

}  // namespace roster

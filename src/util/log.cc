// log.cc — stderr logging with ISO-8601 UTC timestamps, or in the journal's
// own form when stderr is connected to it.
#include "util/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "util/log_limiter.h"

namespace roster {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* Name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// syslog priorities for the journal's "<N>" line prefix (sd-daemon(3)).
int Priority(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return 7;
    case LogLevel::kInfo:
      return 6;
    case LogLevel::kWarn:
      return 4;
    case LogLevel::kError:
      return 3;
  }
  return 6;
}

// True when stderr is the stream systemd connected to the journal
// ($JOURNAL_STREAM is "DEVICE:INODE" of it): the journal stamps each line
// itself, so ours would be doubled.
bool StderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  unsigned long long dev = 0, ino = 0;
  struct stat st {};
  return env && std::sscanf(env, "%llu:%llu", &dev, &ino) == 2 && ::fstat(2, &st) == 0 &&
         st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == Name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, const std::string& raw) {
  if (!LogEnabled(level)) return;
  std::string message;
  {
    static std::mutex mu;
    static LogLimiter limiter;
    std::lock_guard lock(mu);
    auto admitted = limiter.Admit(raw, std::chrono::steady_clock::now());
    if (!admitted) return;
    message = std::move(*admitted);
  }
  static const bool journal = StderrIsJournal();
  if (journal) {
    std::string line = "<" + std::to_string(Priority(level)) + ">" + message + "\n";
    ssize_t ignored = ::write(2, line.data(), line.size());
    (void)ignored;
    return;
  }
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  int ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = std::string(stamp) + "." + std::to_string(1000 + ms).substr(1) + "Z " +
                     Name(level) + " " + message + "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace roster

// proc_stat.cc — parsing /proc/PID/stat.
#include "core/proc_stat.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace roster {

std::optional<ProcStat> ReadProcStat(int64_t pid) {
  if (pid <= 0) return std::nullopt;
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];  // the line is ~300 bytes; the fields used come first
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "PID (COMM) STATE PPID ...": the name may hold spaces and parentheses,
  // so it ends at the last ')'.
  char* open = std::strchr(buf, '(');
  char* close = std::strrchr(buf, ')');
  if (!open || !close || close < open) return std::nullopt;
  ProcStat st;
  st.comm.assign(open + 1, close);
  // Fields from 3 on, separated by single spaces.
  char* p = close + 1;
  for (int field = 3; field <= 22; ++field) {
    while (*p == ' ') ++p;
    if (*p == '\0') return std::nullopt;
    if (field == 4) st.ppid = std::strtoll(p, nullptr, 10);
    if (field == 22) st.start_time = std::strtoll(p, nullptr, 10);
    while (*p != ' ' && *p != '\0') ++p;
  }
  return st;
}

}  // namespace roster

// proc_stat.h — the few fields Roster reads from /proc/PID/stat: a process's
// name, parent and start time. Used to judge liveness (the start time tells a
// reused pid from the session's own) and to find an agent among a hook's
// ancestors. One open, read and close, no allocation beyond the name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace roster {

struct ProcStat {
  std::string comm;        // the command name (at most 15 bytes; field 2)
  int64_t ppid = 0;        // field 4
  int64_t start_time = 0;  // clock ticks since boot (field 22)
};

// nullopt when there is no such process (or /proc cannot be read).
std::optional<ProcStat> ReadProcStat(int64_t pid);

}  // namespace roster

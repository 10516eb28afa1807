// process_probe.h — asks the operating system whether a session's process or
// tmux session still exists. An interface so tests can script the answers.
//
// Liveness of a pid is judged with its start time (field 22 of
// /proc/PID/stat), so a pid reused by an unrelated process is seen as gone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace roster {

class ProcessProbe {
 public:
  virtual ~ProcessProbe() = default;
  // Start time of `pid` in clock ticks since boot, or nullopt if no such process.
  virtual std::optional<int64_t> StartTime(int64_t pid) = 0;
  // Names of the running tmux sessions, or nullopt when tmux cannot be asked
  // (not installed, no server reachable): callers must then leave tmux-bound
  // sessions alone.
  virtual std::optional<std::set<std::string>> TmuxSessions() = 0;
};

// The real probe: /proc and `tmux list-sessions`. Thread-safe.
std::shared_ptr<ProcessProbe> SystemProcessProbe();

}  // namespace roster

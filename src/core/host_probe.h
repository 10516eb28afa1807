// host_probe.h — the facts only a session's own host can read, judged in one
// place for whoever reads them: the registry's probes on a rosterd that
// probes its host itself (store/maintenance.cc, store/teams.cc, the cleanup
// strand's branch step) and the host agent that probes for a cluster member
// (cluster/host_agent.h). Each takes what the registry recorded and says
// what changed on this machine:
//   - a process is gone when its pid has no process, or one that started at
//     another time than recorded (a reused pid);
//   - a session's branch changed when its root's branch (core/git_branch.h)
//     differs from the stored one; a sweep reads each root once;
//   - a team's root is live while it holds the compose marker, directly or
//     under .team/.
//
// Thread-safety: the functions are; a BranchSweep belongs to one sweep.
// They read /proc and files: never call them inside a write transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/process_probe.h"

namespace roster {

// A session's process as the registry recorded it.
struct RecordedProcess {
  std::string id;
  int64_t pid = 0;
  std::optional<int64_t> pid_start;
};

// What a probe found of a recorded process: gone, or there since `start`
// (clock ticks since boot), which a session recorded without a start time
// (its pid registered where the process could not be read) may record now.
struct ProcessFinding {
  bool gone = false;
  std::optional<int64_t> start;
};
ProcessFinding ProbeProcess(ProcessProbe& probe, const RecordedProcess& p);

// True when `p`'s process is no longer there (see the header comment).
inline bool ProcessGone(ProcessProbe& probe, const RecordedProcess& p) {
  return ProbeProcess(probe, p).gone;
}

// The recorded processes that are gone.
std::vector<RecordedProcess> GoneProcesses(ProcessProbe& probe,
                                           const std::vector<RecordedProcess>& recorded);

// A session's root and the branch stored for it.
struct SessionRoot {
  std::string id, root;
  std::optional<std::string> branch;
};

// A branch to set: `to` if the stored branch still is `from`.
struct BranchChange {
  std::string id;
  std::optional<std::string> from, to;
};

// One sweep over sessions' roots: each distinct root's branch is read once.
class BranchSweep {
 public:
  // The change for `s`, or nullopt when its stored branch is still right.
  std::optional<BranchChange> Check(const SessionRoot& s);

 private:
  std::unordered_map<std::string, std::optional<std::string>> read_;  // root -> branch
};

// A team's root and whether it holds its compose marker, as its host found.
struct TeamRootState {
  std::string project_id, root;
  bool live = true;
};

// Whether a team root is live: it holds `marker` (e.g. team-compose.yaml),
// directly or under .team/.
bool TeamRootLive(const std::string& root, const std::string& marker);

}  // namespace roster

// host_probe.cc — judging a host's own facts (see host_probe.h).
#include "core/host_probe.h"

#include <filesystem>

#include "core/git_branch.h"

namespace roster {

ProcessFinding ProbeProcess(ProcessProbe& probe, const RecordedProcess& p) {
  const auto start = probe.StartTime(p.pid);
  return {.gone = !start || (p.pid_start && *p.pid_start != *start), .start = start};
}

std::vector<RecordedProcess> GoneProcesses(ProcessProbe& probe,
                                           const std::vector<RecordedProcess>& recorded) {
  std::vector<RecordedProcess> gone;
  for (const auto& p : recorded) {
    if (ProcessGone(probe, p)) gone.push_back(p);
  }
  return gone;
}

std::optional<BranchChange> BranchSweep::Check(const SessionRoot& s) {
  auto it = read_.find(s.root);
  if (it == read_.end()) it = read_.emplace(s.root, ReadGitBranch(s.root)).first;
  if (it->second == s.branch) return std::nullopt;
  return BranchChange{s.id, s.branch, it->second};
}

bool TeamRootLive(const std::string& root, const std::string& marker) {
  std::error_code ec;
  const std::filesystem::path r(root);
  return std::filesystem::exists(r / marker, ec) ||
         std::filesystem::exists(r / ".team" / marker, ec);
}

}  // namespace roster

// branch_probe.cc — the branch step's reading (see branch_probe.h).
#include "daemon/branch_probe.h"

#include <unordered_map>

#include "core/git_branch.h"
#include "util/log.h"

namespace roster::daemon {

std::vector<store::Registry::BranchChange> FindBranchChanges(store::Registry& reader,
                                                             int64_t page) {
  std::vector<store::Registry::BranchChange> changes;
  std::unordered_map<std::string, std::optional<std::string>> read;  // root -> branch, this sweep
  std::string cursor;
  do {
    auto rows = reader.SessionRoots(&cursor, page);
    if (!rows.ok()) {
      LogWarn("cleanup: reading session roots failed: " + rows.status().ToString());
      break;
    }
    for (auto& row : *rows) {
      auto it = read.find(row.root);
      if (it == read.end()) it = read.emplace(row.root, ReadGitBranch(row.root)).first;
      if (it->second != row.branch) changes.push_back({row.id, row.branch, it->second});
    }
  } while (!cursor.empty());
  return changes;
}

}  // namespace roster::daemon

// branch_probe.cc — the branch step's reading (see branch_probe.h).
#include "daemon/branch_probe.h"

#include "util/log.h"

namespace roster::daemon {

std::vector<store::Registry::BranchChange> FindBranchChanges(store::Registry& reader,
                                                             int64_t page) {
  std::vector<store::Registry::BranchChange> changes;
  BranchSweep sweep;
  std::string cursor;
  do {
    auto rows = reader.SessionRoots(&cursor, page);
    if (!rows.ok()) {
      LogWarn("cleanup: reading session roots failed: " + rows.status().ToString());
      break;
    }
    for (const auto& row : *rows) {
      if (auto change = sweep.Check(row)) changes.push_back(std::move(*change));
    }
  } while (!cursor.empty());
  return changes;
}

}  // namespace roster::daemon

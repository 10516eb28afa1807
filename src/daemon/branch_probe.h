// branch_probe.h — which sessions' git branch changed: the cleanup strand's
// branch step, run on a reader every branch_interval_ms. Reads the sessions
// in pages (one read transaction each), then each distinct root's branch
// (core/host_probe.h: a stat and a read), and returns only the sessions
// whose stored branch differs, so a branch switch is one change in the feed.
#pragma once

#include <vector>

#include "store/registry.h"

namespace roster::daemon {

std::vector<store::Registry::BranchChange> FindBranchChanges(store::Registry& reader, int64_t page);

}  // namespace roster::daemon

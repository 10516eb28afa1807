// subprocess.h — runs a program to completion with a deadline and captures
// what it prints (posix_spawnp: no fork of the caller's address space, so it
// is cheap from a big daemon and safe from a threaded one).
//
// Never hangs: a program still running at the deadline is killed (SIGKILL)
// and reaped. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace roster {

struct ProcessOutput {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // stdout (at most max_output bytes)
  std::string err;     // stderr (likewise)
};

// Runs argv[0] (looked up on PATH) with argv, stdin from /dev/null, until it
// exits or `timeout_ms` passes. Errors: not_found when the program is not
// installed (not on PATH), unavailable when it cannot be started or did not
// finish in time. A non-zero exit is not an error: see exit_code.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, int timeout_ms,
                                 size_t max_output = 1 << 20);

}  // namespace roster

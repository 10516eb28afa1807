// deadlines.h — how long rosterd may keep an accepted write waiting, and how
// long a client waits for an answer: longer, so that a client that gives up
// on a write never sees it commit afterwards ("failed" means "not committed").
//
// rosterd fails a write that has not started within write_timeout_ms of its
// arrival (at most kMaxWriteWaitMs; see daemon/writer.h), and a started batch
// then needs only its own work and its commit (milliseconds; an fsync of a
// busy disk, a few hundred). rosterctl waits kClientDeadlineMs for any
// answer. Only a daemon that is itself stopped (SIGSTOP, a frozen machine)
// can answer later than that.
#pragma once

#include <cstdint>

namespace roster {

// The largest write_timeout_ms rosterd accepts.
inline constexpr int64_t kMaxWriteWaitMs = 5'000;
// What a started batch may take on top: its operations and its commit.
inline constexpr int64_t kWriteWorkSlackMs = 3'000;
// How long rosterctl waits for an answer.
inline constexpr int kClientDeadlineMs = static_cast<int>(kMaxWriteWaitMs + kWriteWorkSlackMs);

}  // namespace roster

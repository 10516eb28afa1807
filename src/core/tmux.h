// tmux.h — what Roster asks of tmux: the session a pane belongs to, typing a
// line into a pane, a pane's last lines, and the running sessions. Each call
// runs one short `tmux` command with a deadline (util/subprocess.h).
//
// Errors are sentences a person can act on: unavailable when tmux is not
// installed or did not answer, invalid_state when its server or the pane is
// gone. tmux's own words are not passed on.
//
// Thread-safe (no shared state). Never call from inside a write transaction:
// each call waits for a process.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/status.h"

namespace roster {

// A pane on a tmux server: `socket` is the server's socket path (the first
// field of $TMUX), none for the default server.
struct TmuxPane {
  std::optional<std::string> socket;
  std::string pane;  // e.g. "%3" ($TMUX_PANE)
};

// How long a tmux command may take before it is stopped.
inline constexpr int kTmuxTimeoutMs = 2000;

// The name of the session that holds the pane.
Result<std::string> TmuxSessionOf(const TmuxPane& pane, int timeout_ms = kTmuxTimeoutMs);

// Types `text` literally into the pane, then Enter.
Status TmuxType(const TmuxPane& pane, const std::string& text, int timeout_ms = kTmuxTimeoutMs);

// The pane's last `lines` non-empty-tailed lines (trailing blank lines of the
// screen dropped; wrapped lines joined).
Result<std::vector<std::string>> TmuxLastLines(const TmuxPane& pane, int lines,
                                               int timeout_ms = kTmuxTimeoutMs);

// The names of the default server's sessions; nullopt when tmux cannot be
// asked (not installed, no server running).
std::optional<std::set<std::string>> TmuxSessionNames(int timeout_ms = kTmuxTimeoutMs);

}  // namespace roster

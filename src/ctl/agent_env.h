// agent_env.h — where the agent that runs a hook lives: its process and its
// tmux pane. Asked once per registration, never per event.
//
// The agent's process is the nearest ancestor of the hook that is not a
// shell (Claude Code runs a command hook through `sh -c`, which may start
// further shells). An ancestor that is pid 1 — the hook was orphaned, or
// runs under init — is no agent: then there is no pid, and the session falls
// back to the hook TTL.
#pragma once

#include <cstdint>
#include <optional>

#include "core/tmux.h"

namespace roster::ctl {

// The pid of the agent process among this process's ancestors, if any.
std::optional<int64_t> FindAgentPid();

// The tmux pane this process runs in, from $TMUX (socket) and $TMUX_PANE;
// nullopt outside tmux.
std::optional<TmuxPane> PaneFromEnvironment();

}  // namespace roster::ctl

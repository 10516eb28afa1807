// pane_methods.h — the methods that reach a session's agent through its tmux
// pane (the pane the hook recorded): session.send types a line into it,
// session.output reads its last lines, and session.pause takes its summary
// from it. Their tmux commands run in the call's probe (methods.h), on a
// reader, never on the writer.
//
// Errors: a session without a pane, or whose pane or tmux server is gone, is
// invalid_state; a stopped or stale session refuses session.send (its pane
// may now hold something else, a shell that would run the text); tmux not
// installed is unavailable. Each is a sentence that says what to do.
#pragma once

#include "daemon/methods.h"
#include "daemon/params.h"

namespace roster::daemon {

Result<Call> SessionSend(ParamReader& r);
Result<Call> SessionOutput(ParamReader& r);
Result<Call> SessionPause(ParamReader& r);

}  // namespace roster::daemon

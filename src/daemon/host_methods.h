// host_methods.h — the methods a host agent (cluster/host_agent.h) calls to
// do its host's duties in a registry whose core cannot look at that host:
// host.start (the host's rosterd started: restart grace for its live
// sessions, its start in `hosts`), host.beat (its heartbeat), host.sessions
// (what it must probe: its sessions' recorded pids or roots, a page at a
// time) and host.report (what it found: processes exited, branches
// changed, team roots that lost or regained their compose marker). Each write is the Registry step
// the cleanup strand and the daemon's start run for their own host (same functions, same feed
// changes), for the host the call names; a report applies only to that host's sessions, and only to
// those still as they were when probed.
//
// Limits: a host name as --host takes (host_id.h); a report or a page holds
// at most kMaxHostEntries entries (an agent sends its findings in parts).
#pragma once

#include "daemon/methods.h"
#include "daemon/params.h"

namespace roster::daemon {

inline constexpr int64_t kMaxHostEntries = 10'000;

// params.host, a host name as --host takes it (host_id.h): required by the
// host.* methods, optional for session.register and team.up (absent or
// null: nullopt). A bad one sets *bad (the reader's own errors come first).
std::string ReadHost(ParamReader& r, Status* bad);
std::optional<std::string> ReadOptionalHost(ParamReader& r, Status* bad);

Result<Call> HostStart(ParamReader& r);
Result<Call> HostBeat(ParamReader& r);
Result<Call> HostSessions(ParamReader& r);
Result<Call> HostReport(ParamReader& r);

}  // namespace roster::daemon

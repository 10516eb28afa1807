// systemd.h — rosterd's side of systemd's service protocols (sd-daemon(3),
// through Debian's libsystemd), all of them no-ops outside systemd:
//   - readiness: READY=1 once the socket answers (Type=notify), STOPPING=1
//     when a stop begins; sent only when $NOTIFY_SOCKET is set;
//   - socket activation: a listening Unix stream socket passed as fd 3 with
//     LISTEN_FDS=1 and LISTEN_PID=<our pid> (rosterd.socket) is served
//     instead of binding one; systemd keeps it, and its file, across stops.
// Journal logging (no timestamp, <N> priority prefixes when stderr is the
// journal's stream) is util/log.cc's, since it needs no library.
#pragma once

#include <string>

#include "util/status.h"

namespace roster::daemon::systemd {

// The listening socket systemd passed (ownership goes to the caller), or -1
// when none was. Refuses anything but exactly one listening Unix stream
// socket. Unsets LISTEN_* so no child inherits them.
Result<int> TakeListenSocket();

// READY=1 with a one-line STATUS.
void NotifyReady(const std::string& status);
// STOPPING=1.
void NotifyStopping();

}  // namespace roster::daemon::systemd

// daemon.h — rosterd assembled: lock, open and recover the database, then run
// the writer, readers, notifier, hub, server, cleanup strand and progress
// timer on one io_context until SIGTERM/SIGINT.
//
// Start-up: lock DB.lock, open the writer connection (migrations), quick
// integrity check, give live sessions one full TTL of grace, then serve.
// Shutdown: stop accepting, tell watchers, answer in-flight requests, commit
// what is queued, checkpoint (TRUNCATE), remove the socket file.
#pragma once

#include "daemon/config.h"
#include "util/status.h"

namespace roster::daemon {

// Runs the daemon until a stop signal; returns the process exit code.
int RunDaemon(const DaemonConfig& config);

}  // namespace roster::daemon

// paths.h — Roster's default file locations, shared by the daemon and clients.
#pragma once

#include <string>

namespace roster {

// $ROSTER_SOCKET if set, else $XDG_RUNTIME_DIR/roster.sock, else
// /tmp/roster-$UID/roster.sock.
std::string DefaultSocketPath();

// $XDG_STATE_HOME/roster/roster.db, else ~/.local/state/roster/roster.db.
std::string DefaultDbPath();

// The dqlite engine's data: $XDG_STATE_HOME/roster/dqlite, else
// ~/.local/state/roster/dqlite.
std::string DefaultDqliteDir();

// The lock file that marks a database as owned by a running rosterd.
inline std::string LockPathFor(const std::string& db) { return db + ".lock"; }

}  // namespace roster

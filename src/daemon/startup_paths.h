// startup_paths.h — what rosterd checks about its paths before it touches any
// file, so that a bad path is one sentence and nothing is left behind (no
// database, WAL or lock file created for a start that cannot serve).
//
//  - CheckPaths: the paths themselves (a usage error, exit status 2): a
//    socket path longer than sockaddr_un holds, a database path that is a
//    directory, a socket path held by something that is not a socket, a
//    component of either path that is not a directory, a NUL byte.
//  - SocketAnswers: whether another rosterd already serves the socket (the
//    start is refused before the database is created or locked).
//  - EnsureDirectory: creates a missing directory (0700) and reports the
//    real failure with the path (e.g. "Permission denied").
#pragma once

#include <string>

#include "daemon/config.h"
#include "util/status.h"

namespace roster::daemon {

// Longest Unix socket path: sockaddr_un.sun_path less its terminating NUL.
inline constexpr size_t kMaxSocketPathBytes = 107;

// invalid_params naming the path and what is wrong with it, or OK.
Status CheckPaths(const DaemonConfig& config);

// True when a process accepts connections on `socket` (a live rosterd).
bool SocketAnswers(const std::string& socket);

// Creates `dir` and its missing parents with mode 0700; unavailable with the
// directory that could not be created and why.
Status EnsureDirectory(const std::string& dir);

}  // namespace roster::daemon

// null_server.h — a stand-in for rosterd that does no work, for the
// roundtrip scenario: it answers every request line with a fixed reply, so a
// load run against it measures what the socket round trip and the client
// cost on this machine before any JSON decoding or SQL.
//
// Two shapes, chosen per server:
//   kInline  — the io thread answers the lines it read (no thread hand-off);
//   kHandoff — rosterd's path for a write: the io thread hands the lines to
//              a second thread (mutex + condition variable, the whole queue
//              taken at once, as rosterd's writer takes a batch), which
//              hands them back to the io thread in one post per batch; the
//              io thread then writes the replies.
// It runs in a child process (RunNullServer forks), as rosterd would, so
// its threads and the load's client are separate processes on the same cores.
// For measurement only: no limits, no error replies, stopped by SIGTERM.
#pragma once

#include <sys/types.h>

#include <string>

namespace roster::bench {

enum class NullMode { kInline, kHandoff };

// Forks a child serving `socket_path` in `mode` until it gets SIGTERM;
// returns once the socket accepts connections. REQUIRES: the calling
// process has no other threads yet (fork copies only the caller's).
pid_t StartNullServer(const std::string& socket_path, NullMode mode);

// SIGTERM and reap.
void StopNullServer(pid_t pid);

}  // namespace roster::bench

// fd_limit.h — rosterd against the open-file limit (RLIMIT_NOFILE). Each
// client connection is a descriptor; at the limit, accept(2) fails with
// EMFILE and, retried at once, spins (one run: 100 % CPU while idle, 87
// million log lines, a quarter of the clients never answered).
//
//  - FitConnectionsToFileLimit, at start: raises the soft limit to the hard
//    one, and lowers max_connections to what can then be opened while
//    keeping kReservedFds for rosterd's own (database and WAL files of its
//    connections, the lock, the listener, the event loop, a tmux probe's
//    pipes), saying so in the log. A client past max_connections is then
//    refused with limit_exceeded like any other.
//  - SpareDescriptor: one descriptor held back, so that if accept still
//    fails for want of descriptors (something else used them) the waiting
//    client can be accepted, told limit_exceeded and closed, instead of
//    waiting unanswered while the server retries in a loop.
#pragma once

#include <string>

#include "daemon/config.h"

namespace roster::daemon {

// Descriptors kept for rosterd itself when sizing max_connections (half of
// the limit if that is smaller).
inline constexpr int kReservedFds = 64;

// REQUIRES: called once, before anything is opened.
void FitConnectionsToFileLimit(DaemonConfig* config);

class SpareDescriptor {
 public:
  SpareDescriptor();
  ~SpareDescriptor();
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  // After accept failed with EMFILE/ENFILE on `listen_fd`: frees the spare,
  // accepts one waiting client, writes `line` to it, closes it, takes the
  // spare back. False if no client could be shed.
  bool ShedOne(int listen_fd, const std::string& line);

 private:
  int fd_ = -1;
};

}  // namespace roster::daemon

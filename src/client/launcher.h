// launcher.h — a rosterd of one's own, as a child process: start it, wait
// until it serves (its socket answers `status`), stop it, and reap it. The
// one launcher of the integration tests (tests/daemon_harness.h, the systemd
// tests) and roster-bench (tools/bench/daemon_proc.h).
//
// The child gets SIGTERM when the thread that started it exits (prctl
// PR_SET_PDEATHSIG): a test binary killed by its timeout, or an interrupted
// benchmark, stops its daemons instead of leaving them serving.
//
// Not thread-safe; one object per child.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace roster::client {

struct LaunchOptions {
  std::string binary;             // the rosterd to run
  std::vector<std::string> args;  // its arguments (--db, --socket, --config, ...)
  // Set in its environment (replacing the inherited value of that name).
  std::vector<std::pair<std::string, std::string>> env;
  std::string log;                   // its stderr, appended (opened as this user); "" keeps ours
  std::optional<rlimit> file_limit;  // its RLIMIT_NOFILE
  std::optional<uid_t> run_as;       // the user (and group id) it runs as
  // A listening socket handed over the way systemd's socket activation does:
  // as descriptor 3, with LISTEN_FDS=1 and LISTEN_PID naming the child.
  int listen_fd = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released): for a dqlite node's address. Throws std::runtime_error if no
// socket can be bound.
int FreeLoopbackPort();
// The first of `count` consecutive ports on 127.0.0.1 that were all free a
// moment ago: a cluster member's node and its door (the next port), or a
// demo's three members. Throws std::runtime_error when none is found.
int FreeLoopbackPorts(int count);

class DaemonProcess {
 public:
  DaemonProcess() = default;
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  // Kills a child still running (SIGKILL) and reaps it.
  ~DaemonProcess();

  // Starts the child. REQUIRES: !running().
  Status Spawn(const LaunchOptions& options);
  // Waits until `socket` answers `status` with a result: OK; failed if the
  // child exited first (it is then reaped) or `timeout` passed. Polls every
  // 500 µs (roster-bench times a start with it).
  Status WaitReady(const std::string& socket,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits for the child to exit: its exit status, 128 + the signal that
  // killed it, or -1 if it still ran after `timeout_ms` (it is then killed:
  // a stop that hangs must fail its caller, not hang it).
  int Wait(int timeout_ms);
  // SIGTERM, then Wait. -1 when no child runs.
  int Stop(int timeout_ms);
  // SIGKILL and reap (as a crash would end it).
  void Kill();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace roster::client

// core.h — a cluster member's core: today's whole daemon (daemon::Daemon:
// the writer with group commit, the feed publisher, readers, cleanup strand,
// watch hub) on a thread of its own, on the dqlite engine fenced to this
// member's node (store/dqlite_engine.h), serving the core's socket. The
// member starts it when its node becomes the Raft leader and stops it when
// the node no longer leads (cluster/member.h); it may start again later.
//
// A start opens the engine anew (migrations: nothing to do after the first;
// the start-up check; the daemon's recovery: restart grace, the feed's run),
// so a core that starts after a failover carries on the feed where the
// previous primary's stopped. A start that fails (the node stopped leading
// meanwhile) ends the thread with a log line; running() is then false and
// the member may try again.
//
// Thread-safety: Start, Stop and Join from one thread (the role watcher's);
// running() and serving() from any.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "daemon/config.h"
#include "daemon/daemon.h"

namespace roster::cluster {

class Core {
 public:
  // `config`'s socket_path is the socket the core serves; `listen_fd` is a
  // listening socket systemd passed (-1: none), which each start serves a
  // duplicate of. on_ready runs on the core's thread once the socket
  // answers.
  // cluster_status answers cluster.status (on a reader of the core).
  Core(daemon::DaemonConfig config, int listen_fd, std::function<void()> on_ready,
       daemon::Dispatcher::ClusterStatus cluster_status);
  ~Core();  // Stop()
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Starts a core thread. REQUIRES: !running() (a finished thread is joined).
  void Start();
  // Stops the core (as a SIGTERM stops rosterd: in-flight writes answered,
  // the socket closed and removed) and joins its thread. Idempotent.
  void Stop();
  // A core thread was started and has not ended (opening, serving or
  // stopping).
  bool running() const { return running_.load(); }
  // The core's socket answers.
  bool serving() const { return serving_.load(); }

 private:
  void Run();

  const daemon::DaemonConfig config_;
  const int listen_fd_;
  const std::function<void()> on_ready_;
  const daemon::Dispatcher::ClusterStatus cluster_status_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> serving_{false};

  std::mutex mu_;
  // ---- guarded by mu_ ----
  daemon::Daemon* daemon_ = nullptr;  // while it serves
  bool stop_ = false;                 // Stop() was asked for this start
};

}  // namespace roster::cluster

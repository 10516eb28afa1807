// daemon.h — rosterd assembled: one Daemon object whose members are its
// parts, declared in dependency order (each member uses only those declared
// above it), so construction is the start-up order and destruction the
// reverse.
//
// RunDaemon (the file engine): check that nothing serves the socket yet, open
// the store through its engine (store/engine.h: lock, migrations, start-up
// check), then the
// Daemon: rows without a host claimed, this host's restart grace and first
// heartbeat, the feed's run (rev reservation, incarnation), readers,
// notifier, writer, dispatcher, server, cleanup strand, host heartbeat and
// progress timer on one io_context, until SIGTERM/SIGINT.
//
// Stop, in this order: close the acceptor and tell watchers; answer and write
// what is in flight (connections still open after shutdown_grace_ms are
// dropped); the readers finish what is queued and join; the notifier joins;
// the writer commits what is queued, ends the run and lets the engine finish
// its writes (file: the final checkpoint), then joins; every Registry is
// destroyed with the Daemon; the engine closes (file: DB.clean, DB.lock
// released); the socket file is removed.
//
// A cluster member's core (cluster/member.h) is this same Daemon on a
// thread of its own: it installs no signal handlers and tells systemd
// nothing (the member does both); the member stops it with Stop() and may
// Open a new one on a newly opened engine later.
//
// Thread-safety: Open and Serve on one thread, which runs the io loop;
// Stop() from any thread.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "daemon/cleanup.h"
#include "daemon/config.h"
#include "daemon/feed_reader.h"
#include "daemon/host_beat.h"
#include "daemon/hub.h"
#include "daemon/notifier.h"
#include "daemon/publisher.h"
#include "daemon/readers.h"
#include "daemon/rev_reservation.h"
#include "daemon/rpc.h"
#include "daemon/server.h"
#include "daemon/writer.h"
#include "store/engine.h"
#include "util/status.h"

namespace roster::daemon {

// Runs the daemon on the file engine until a stop signal; returns the
// process exit code. (The dqlite engine runs as a cluster member:
// cluster/member.h.)
int RunDaemon(const DaemonConfig& config);

// What every rosterd does before it creates anything: SIGPIPE ignored,
// systemd's listening socket taken (-1 when none), a live rosterd on the
// socket refused, then the directories of `store_dir` and of the socket
// created. Returns the listening socket.
Result<int> PrepareToServe(const DaemonConfig& config, const std::string& store_dir);

// How a Daemon runs: as rosterd itself, or as a cluster member's core.
struct DaemonOptions {
  int listen_fd = -1;          // a listening socket systemd passed; -1: config.socket_path
  bool handle_signals = true;  // stop on SIGTERM/SIGINT, and tell systemd
  // Called on the io thread once the socket answers (after systemd's
  // READY=1 when handle_signals).
  std::function<void()> on_ready;
  // A cluster member's answer to cluster.status (rpc.h); unset: not a cluster.
  Dispatcher::ClusterStatus cluster_status;
};

class Daemon {
 public:
  // Recovers the store `engine` opened (restart grace, the feed's run) and
  // assembles the daemon; serving starts with Serve(). `config` and
  // `engine` must outlive the Daemon.
  static Result<std::unique_ptr<Daemon>> Open(const DaemonConfig& config, store::Engine& engine,
                                              DaemonOptions options);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves until SIGTERM/SIGINT or Stop(), then stops as the header says.
  // Returns the process exit code. REQUIRES: called once.
  int Serve();

  // Begins the stop (as a signal would); Serve() returns when it is done.
  // Thread-safe; a Stop before Serve() stops it as soon as it serves.
  void Stop();

 private:
  Daemon(const DaemonConfig& config, store::Engine& engine,
         std::unique_ptr<store::Registry> writer_registry, const store::FeedIdentity& feed,
         std::unique_ptr<store::Registry> notifier_registry, DaemonOptions options);
  void OnStop(const std::string& why);
  void ArmProgress();
  // Runs on the writer after its last batch.
  void FinishWrites(store::Registry& writer);

  // ---- in dependency order ----
  const DaemonConfig& config_;
  store::Engine& engine_;
  const store::FeedIdentity feed_;  // the run's feed when serving starts
  const DaemonOptions options_;
  boost::asio::io_context io_{1};
  // Installed before the socket is reachable: a SIGTERM sent as soon as the
  // socket answers is queued for the handler, never the default action.
  // Empty for a core (the member handles the signals).
  boost::asio::signal_set signals_;
  ReaderPool readers_;
  PoolFeedReader feed_reader_;  // the watches' reads, on the readers
  Hub hub_;
  FeedPublisher publisher_;
  RevReservation reservation_;
  Notifier notifier_;
  Writer writer_;
  Dispatcher dispatcher_;
  Server server_;
  CleanupStrand cleanup_;
  HostBeat host_beat_;                  // this host's heartbeat in `hosts`
  boost::asio::steady_timer progress_;  // watch.progress to idle watchers
  bool stopping_ = false;               // io thread
};

}  // namespace roster::daemon

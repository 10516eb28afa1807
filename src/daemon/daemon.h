// daemon.h — rosterd assembled: one Daemon object whose members are its
// parts, declared in dependency order (each member uses only those declared
// above it), so construction is the start-up order and destruction the
// reverse.
//
// RunDaemon: check that nothing serves the socket yet, open the store through
// its engine (store/engine.h: lock, migrations, start-up check), then the
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
// Thread-safety: Open and Serve on the main thread, which runs the io loop.
#pragma once

#include <boost/asio.hpp>
#include <memory>

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

// Runs the daemon until a stop signal; returns the process exit code.
int RunDaemon(const DaemonConfig& config);

class Daemon {
 public:
  // Recovers the store `engine` opened (restart grace, the feed's run) and
  // assembles the daemon; serving starts with Serve(). `listen_fd` is a
  // listening socket systemd passed, or -1 to listen on config.socket_path.
  static Result<std::unique_ptr<Daemon>> Open(const DaemonConfig& config, store::Engine& engine,
                                              int listen_fd);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves until SIGTERM/SIGINT, then stops as the header says. Returns the
  // process exit code. REQUIRES: called once.
  int Serve();

 private:
  Daemon(const DaemonConfig& config, store::Engine& engine,
         std::unique_ptr<store::Registry> writer_registry, const store::FeedIdentity& feed,
         std::unique_ptr<store::Registry> notifier_registry, int listen_fd);
  void OnStopSignal(int signo);
  void ArmProgress();
  // Runs on the writer after its last batch.
  void FinishWrites(store::Registry& writer);

  // ---- in dependency order ----
  const DaemonConfig& config_;
  store::Engine& engine_;
  const store::FeedIdentity feed_;  // the run's feed when serving starts
  const int listen_fd_;             // systemd's socket, or -1
  boost::asio::io_context io_{1};
  // Installed before the socket is reachable: a SIGTERM sent as soon as the
  // socket answers is queued for the handler, never the default action.
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
};

}  // namespace roster::daemon

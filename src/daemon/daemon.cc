// daemon.cc — wiring and lifecycle of rosterd.
#include "daemon/daemon.h"

#include <signal.h>
#include <sys/stat.h>

#include <boost/asio.hpp>
#include <filesystem>

#include "daemon/clean_shutdown.h"
#include "daemon/cleanup.h"
#include "daemon/notifier.h"
#include "daemon/publisher.h"
#include "daemon/readers.h"
#include "daemon/rev_reservation.h"
#include "daemon/rpc.h"
#include "daemon/server.h"
#include "daemon/startup_paths.h"
#include "daemon/systemd.h"
#include "daemon/watch.h"
#include "daemon/writer.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/paths.h"

namespace roster::daemon {

namespace asio = boost::asio;

namespace {

// Sends watch.progress to idle watchers every interval.
class ProgressTimer {
 public:
  ProgressTimer(asio::io_context& io, Hub& hub, int64_t ms) : timer_(io), hub_(hub), ms_(ms) {}
  void Start() {
    if (ms_ <= 0) return;
    timer_.expires_after(std::chrono::milliseconds(ms_));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      hub_.ProgressTick();
      Start();
    });
  }
  void Stop() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  Hub& hub_;
  int64_t ms_;
};

// The writer's registry, how the start-up check went, and the feed's identity
// once the run began.
struct Recovered {
  std::unique_ptr<store::Registry> registry;
  std::string startup_check;  // "passed" or "skipped"
  store::FeedIdentity feed;
};

// The rev the clean-shutdown marker vouches for, or -1. The marker is always
// removed, so a crash from here on forces a check on the next start.
int64_t CleanRev(const DaemonConfig& config, std::string* why) {
  auto rev = TakeCleanMarker(config.db_path, why);
  if (config.startup_check == "always") {
    *why = "startup_check is always";
    return -1;
  }
  return rev.value_or(-1);
}

Status CheckIntegrity(const DaemonConfig& config, store::Connection& conn) {
  if (Status s = conn.CheckIntegrity(/*full=*/false); !s.ok()) {
    return Status::Unavailable("database " + config.db_path + " failed its integrity check (" +
                               s.message() + "); restore a backup with roster-backup restore");
  }
  return Status::Ok();
}

// Start-up in the order the design gives: open (applying migrations),
// integrity quick-check unless a clean shutdown vouches for the file, restart
// grace. The caller serves afterwards.
Result<Recovered> OpenAndRecover(const DaemonConfig& config) {
  std::string why;
  int64_t clean_rev = CleanRev(config, &why);
  auto conn = store::Connection::Open(
      {.path = config.db_path, .sync = config.sync, .wal_size_limit = config.wal_truncate_bytes});
  if (!conn.ok()) return conn.status();
  // Checkpoints are the cleanup strand's job (between batches), so a commit
  // never pays for one.
  if (Status s = conn.value()->SetAutoCheckpoint(false); !s.ok()) return s;
  auto reg = std::make_unique<store::Registry>(std::move(conn).value(), config.registry);
  if (auto rev = reg->CurrentRev(); clean_rev >= 0 && (!rev.ok() || *rev != clean_rev)) {
    clean_rev = -1;
    why = "the feed moved after the clean shutdown";
  }
  if (clean_rev >= 0) {
    LogInfo("integrity check skipped: clean shutdown at rev " + std::to_string(clean_rev) +
            " and the file is unchanged since");
  } else {
    LogInfo("integrity check (" + why + ")");
    if (Status s = CheckIntegrity(config, reg->connection()); !s.ok()) return s;
  }
  auto graced = reg->GrantRestartGrace();
  if (!graced.ok()) return graced.status();
  LogInfo("restart grace: " + std::to_string(*graced) + " live sessions get a full TTL from now");
  auto run = reg->BeginRun(config.sync == store::SyncMode::kNormal, RevReservation::kChunk);
  if (!run.ok()) return run.status();
  if (run->new_incarnation) {
    LogWarn(
        "the previous run (sync normal) did not stop cleanly and may have lost its last "
        "commits: the feed starts a new incarnation " +
        run->identity.feed_id + " after rev " + std::to_string(run->identity.head) +
        "; watchers resuming from an older rev get compacted");
  }
  return Recovered{std::move(reg), clean_rev >= 0 ? "skipped" : "passed", run->identity};
}

// How serving ended: whether the final checkpoint emptied the WAL, and the
// feed's last rev then.
struct Shutdown {
  bool checkpointed = false;
  int64_t rev = 0;
};

// Serves until SIGTERM/SIGINT on `listen_fd` (systemd's socket) or, when it
// is -1, on a socket of its own; every connection is closed when it returns.
int Serve(const DaemonConfig& config, Recovered recovered, int listen_fd, Shutdown* shutdown) {
  const int64_t start_rev = recovered.feed.head;

  ReaderPool readers;
  if (Status s = readers.Start(config.db_path, config.reader_threads, config.registry); !s.ok()) {
    LogError(s.message());
    return 1;
  }
  auto notifier_conn = store::Connection::Open({.path = config.db_path, .migrate = false});
  if (!notifier_conn.ok()) {
    LogError(notifier_conn.status().message());
    return 1;
  }

  asio::io_context io(1);
  // Installed before the socket is reachable: a SIGTERM sent as soon as the
  // socket answers is queued for the handler below, never the default action.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  Hub hub(
      readers, [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); },
      static_cast<size_t>(config.limits.max_subscribers), config.limits.subscriber_queue);
  hub.set_published_rev(start_rev);
  auto post = [&io](std::function<void()> fn) {
    asio::post(io, [guard = asio::make_work_guard(io), fn = std::move(fn)] { fn(); });
  };
  FeedPublisher publisher(start_rev, post, [&hub](const FeedBatch& b) { hub.Publish(b); });
  RevReservation reservation(recovered.feed.reserved, config.sync == store::SyncMode::kNormal,
                             [&readers](std::function<void(store::Registry&)> flush) {
                               readers.Submit(std::move(flush));
                             });
  Notifier notifier(
      std::make_unique<store::Registry>(std::move(notifier_conn).value(), config.registry),
      config.notify_poll_ms, publisher);
  Writer writer(
      std::move(recovered.registry), config.limits.max_write_batch,
      {.before_commit =
           [&publisher, &reservation](store::Registry& reg) {
             publisher.CollectInBatch(reg);
             return reservation.BeforeCommit(reg, publisher.collected_last_rev());
           },
       .after_batch =
           [&publisher, &reservation](store::Registry& reg, std::function<void()> completions,
                                      bool committed) {
             reservation.AfterCommit(reg, committed);  // durable before anything is published
             publisher.PublishCollected(committed, std::move(completions));
           }},
      std::chrono::microseconds(
          config.sync == store::SyncMode::kFull ? config.limits.group_commit_wait_us : 0),
      std::chrono::milliseconds(config.limits.write_timeout_ms));
  Dispatcher dispatcher(io, writer, readers, hub, config);
  dispatcher.set_startup_check(recovered.startup_check);
  Server server(io, config, dispatcher, hub);
  if (Status s = listen_fd >= 0 ? server.Adopt(listen_fd) : server.Listen(); !s.ok()) {
    LogError(s.message());
    return 1;
  }
  writer.Start();
  notifier.Start();
  CleanupStrand cleanup(io, writer, readers, config);
  cleanup.Start();
  ProgressTimer progress(io, hub, config.progress_interval_ms);
  progress.Start();

  signals.async_wait([&](boost::system::error_code e, int signo) {
    if (e) return;
    LogInfo("signal " + std::to_string(signo) + ": shutting down");
    systemd::NotifyStopping();
    server.Stop();
    cleanup.Stop();
    progress.Stop();
  });
  server.StartAccepting();
  LogInfo("rosterd " ROSTER_VERSION " ready: socket " + config.socket_path + ", database " +
          config.db_path + ", sync " + (config.sync == store::SyncMode::kFull ? "full" : "normal") +
          ", feed " + recovered.feed.feed_id + ", rev " + std::to_string(start_rev));
  // Posted: it runs once the loop accepts, i.e. when the socket answers.
  asio::post(io, [&config, start_rev] {
    systemd::NotifyReady("serving " + config.socket_path + ", rev " + std::to_string(start_rev));
  });
  io.run();

  // The readers first: one may be in the middle of the cleanup strand's
  // checkpoint passes, and while it holds SQLite's checkpoint lock the final
  // checkpoint below gets SQLITE_BUSY at once (no busy wait), so the stop
  // would leave no clean-shutdown marker. Stop() lets queued reads finish.
  // The notifier too, so that only other processes can hold the WAL then.
  readers.Stop();
  notifier.Stop();
  writer.SubmitIdle([shutdown](store::Registry& reg) {
    // A clean stop: nothing of this run can be lost any more (the checkpoint
    // below makes the last commits, and this one, durable).
    if (Status s = reg.EndRun(); !s.ok())
      LogWarn("could not record the clean stop: " + s.message());
    auto cp = reg.connection().Checkpoint("TRUNCATE");
    if (!cp.ok()) LogWarn("final checkpoint failed: " + cp.status().ToString());
    if (cp.ok() && cp->busy) LogWarn("final checkpoint incomplete: another process holds the WAL");
    auto rev = reg.CurrentRev();
    shutdown->checkpointed = cp.ok() && !cp->busy && rev.ok();
    shutdown->rev = rev.ok() ? *rev : 0;
  });
  writer.Stop();
  return 0;
}

}  // namespace

int RunDaemon(const DaemonConfig& config) {
  ::signal(SIGPIPE, SIG_IGN);
  std::error_code ec;
  auto listen_fd = systemd::TakeListenSocket();
  if (!listen_fd.ok()) {
    LogError(listen_fd.status().message());
    return 1;
  }
  // Nothing is created for a start that cannot serve: a live daemon on the
  // socket is found before the database, its directory or its lock exist.
  // (A socket systemd passed answers because systemd holds it.)
  if (*listen_fd < 0 && SocketAnswers(config.socket_path)) {
    LogError("another rosterd is already serving " + config.socket_path +
             "; stop it first or choose another --socket");
    return 1;
  }
  for (const auto& path : {config.db_path, config.socket_path}) {
    if (Status s = EnsureDirectory(std::filesystem::path(path).parent_path()); !s.ok()) {
      LogError(s.message());
      return 1;
    }
  }
  LockFile lock;
  if (Status s = lock.Acquire(LockPathFor(config.db_path)); !s.ok()) {
    LogError(s.message());
    return 1;
  }
  auto recovered = OpenAndRecover(config);
  if (!recovered.ok()) {
    LogError(recovered.status().message());
    return 1;
  }
  Shutdown shutdown;
  if (int rc = Serve(config, std::move(recovered).value(), *listen_fd, &shutdown); rc != 0)
    return rc;
  // Every connection is closed now, so the file is final.
  if (shutdown.checkpointed) {
    Status s = WriteCleanMarker(config.db_path, shutdown.rev);
    if (!s.ok()) LogWarn("no clean-shutdown marker (" + s.message() + "); the next start checks");
  }
  if (*listen_fd < 0) std::filesystem::remove(config.socket_path, ec);  // else systemd's
  LogInfo("rosterd stopped cleanly");
  return 0;
}

}  // namespace roster::daemon

// daemon.cc — rosterd's start, serving loop and stop (see daemon.h).
#include "daemon/daemon.h"

#include <signal.h>

#include <filesystem>

#include "daemon/host_id.h"
#include "daemon/startup_paths.h"
#include "daemon/systemd.h"
#include "util/log.h"

namespace roster::daemon {

namespace asio = boost::asio;

namespace {

// Restart recovery on the writer's Registry before serving: rows without a
// host become this host's, this host's live sessions get their grace and
// its heartbeat starts (unless host agents do that: config.registry.
// host_agent), and the feed's run begins (a new incarnation if the
// previous run may have lost commits; the rev reservation for this one).
Result<store::FeedIdentity> Recover(const DaemonConfig& config, store::Registry& writer) {
  const std::string& host = config.registry.host;
  auto claimed = writer.ClaimUnowned();
  if (!claimed.ok()) return claimed.status();
  if (*claimed > 0) {
    LogInfo("host " + host + ": claimed " + std::to_string(*claimed) +
            " sessions that had no host (written before schema 8, or without one)");
  }
  if (config.registry.host_agent) {
    // Each host's agent sends host.start when its rosterd starts.
    LogInfo("host duties (restart grace, heartbeat, probes) are done by each host's agent");
  } else {
    auto graced = writer.GrantRestartGrace();
    if (!graced.ok()) return graced.status();
    LogInfo("restart grace: " + std::to_string(*graced) + " live sessions of host " + host +
            " get a full TTL from now");
    ROSTER_RETURN_IF_ERROR(writer.RecordHostStart(MachineHostname()));
  }
  auto run = writer.BeginRun(config.sync == store::SyncMode::kNormal, RevReservation::kChunk);
  if (!run.ok()) return run.status();
  if (run->new_incarnation) {
    LogWarn(
        "the previous run (sync normal) did not stop cleanly and may have lost its last "
        "commits: the feed starts a new incarnation " +
        run->identity.feed_id + " after rev " + std::to_string(run->identity.head) +
        "; watchers resuming from an older rev get compacted");
  }
  return run->identity;
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::Open(const DaemonConfig& config, store::Engine& engine,
                                             DaemonOptions options) {
  std::unique_ptr<store::Registry> writer = engine.TakeWriter();
  auto feed = Recover(config, *writer);
  if (!feed.ok()) return feed.status();
  auto notifier = engine.OpenReader();
  if (!notifier.ok()) return notifier.status();
  std::unique_ptr<Daemon> d(new Daemon(config, engine, std::move(writer), *feed,
                                       std::move(notifier).value(), std::move(options)));
  ROSTER_RETURN_IF_ERROR(d->readers_.Start(engine, config.reader_threads));
  return d;
}

Daemon::Daemon(const DaemonConfig& config, store::Engine& engine,
               std::unique_ptr<store::Registry> writer_registry, const store::FeedIdentity& feed,
               std::unique_ptr<store::Registry> notifier_registry, DaemonOptions options)
    : config_(config),
      engine_(engine),
      feed_(feed),
      options_(std::move(options)),
      signals_(io_),
      feed_reader_(readers_, [this](std::function<void()> fn) { asio::post(io_, std::move(fn)); }),
      hub_(feed_reader_, static_cast<size_t>(config.limits.max_subscribers),
           config.limits.subscriber_queue),
      publisher_(
          feed.head,
          [this](std::function<void()> fn) {
            asio::post(io_, [guard = asio::make_work_guard(io_), fn = std::move(fn)] { fn(); });
          },
          [this](const FeedBatch& b) { hub_.Publish(b); }),
      reservation_(feed.reserved, config.sync == store::SyncMode::kNormal,
                   [this](std::function<void(store::Registry&)> flush) {
                     readers_.Submit(std::move(flush));
                   }),
      notifier_(engine, std::move(notifier_registry), config.notify_poll_ms, publisher_),
      writer_(std::move(writer_registry), config.limits.max_write_batch,
              {.before_commit =
                   [this](store::Registry& reg) {
                     publisher_.CollectInBatch(reg);
                     return reservation_.BeforeCommit(reg, publisher_.collected_last_rev());
                   },
               .after_batch =
                   [this](store::Registry& reg, std::function<void()> completions, bool committed) {
                     // Durable before anything of the batch is published.
                     reservation_.AfterCommit(reg, committed);
                     publisher_.PublishCollected(committed, std::move(completions));
                   }},
              std::chrono::microseconds(
                  config.sync == store::SyncMode::kFull ? config.limits.group_commit_wait_us : 0),
              std::chrono::milliseconds(config.limits.write_timeout_ms)),
      dispatcher_(io_, engine, writer_, readers_, hub_, config),
      server_(io_, config, dispatcher_, hub_),
      cleanup_(io_, engine, writer_, readers_, config),
      host_beat_(io_, writer_, config.registry.host_timeout_ms),
      progress_(io_) {
  hub_.set_published_rev(feed.head);
  dispatcher_.set_cluster_status(options_.cluster_status);
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
  }
}

void Daemon::ArmProgress() {
  if (config_.progress_interval_ms <= 0) return;
  progress_.expires_after(std::chrono::milliseconds(config_.progress_interval_ms));
  progress_.async_wait([this](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    hub_.ProgressTick();
    ArmProgress();
  });
}

void Daemon::Stop() {
  asio::post(io_, [this] { OnStop("asked to stop"); });
}

void Daemon::OnStop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  LogInfo(why + ": shutting down" + (options_.handle_signals ? "" : " the core"));
  if (options_.handle_signals) systemd::NotifyStopping();
  signals_.cancel();
  server_.Stop();
  cleanup_.Stop();
  host_beat_.Stop();
  progress_.cancel();
}

void Daemon::FinishWrites(store::Registry& writer) {
  // A clean stop: nothing of this run can be lost any more (the engine's
  // finish below makes the last commits, and this one, durable).
  if (Status s = writer.EndRun(); !s.ok()) {
    LogWarn("could not record the clean stop: " + s.message());
  }
  engine_.FinishWrites(writer);
}

int Daemon::Serve() {
  if (Status s = options_.listen_fd >= 0 ? server_.Adopt(options_.listen_fd) : server_.Listen();
      !s.ok()) {
    LogError(s.message());
    return 1;
  }
  writer_.Start();
  notifier_.Start();
  cleanup_.Start();
  if (!config_.registry.host_agent) host_beat_.Start();
  ArmProgress();
  if (options_.handle_signals) {
    signals_.async_wait([this](boost::system::error_code e, int signo) {
      if (!e) OnStop("signal " + std::to_string(signo));
    });
  }
  server_.StartAccepting();
  LogInfo("rosterd " ROSTER_VERSION " ready: socket " + config_.socket_path + ", host " +
          config_.registry.host + ", " + engine_.Summary() + ", feed " + feed_.feed_id + ", rev " +
          std::to_string(feed_.head));
  // Posted: it runs once the loop accepts, i.e. when the socket answers.
  asio::post(io_, [this] {
    if (options_.handle_signals) {
      systemd::NotifyReady("serving " + config_.socket_path + ", rev " +
                           std::to_string(feed_.head));
    }
    if (options_.on_ready) options_.on_ready();
  });
  io_.run();

  // The readers first: one may be in the middle of the engine's housekeeping,
  // which FinishWrites must not overlap (file engine: a checkpoint pass holds
  // the lock the final one needs). Then the notifier, so that only other
  // processes can hold the store.
  readers_.Stop();
  notifier_.Stop();
  writer_.SubmitIdle([this](store::Registry& writer) { FinishWrites(writer); });
  writer_.Stop();
  return 0;
}

Result<int> PrepareToServe(const DaemonConfig& config, const std::string& store_dir) {
  ::signal(SIGPIPE, SIG_IGN);
  auto listen_fd = systemd::TakeListenSocket();
  if (!listen_fd.ok()) return listen_fd.status();
  // Nothing is created for a start that cannot serve: a live daemon on the
  // socket is found before the store, its directory or its lock exist.
  // (A socket systemd passed answers because systemd holds it.)
  if (*listen_fd < 0 && SocketAnswers(config.socket_path)) {
    return Status::Unavailable("another rosterd is already serving " + config.socket_path +
                               "; stop it first or choose another --socket");
  }
  for (const auto& dir :
       {store_dir, std::filesystem::path(config.socket_path).parent_path().string()}) {
    ROSTER_RETURN_IF_ERROR(EnsureDirectory(dir));
  }
  return *listen_fd;
}

int RunDaemon(const DaemonConfig& config) {
  auto listen_fd =
      PrepareToServe(config, std::filesystem::path(config.db_path).parent_path().string());
  if (!listen_fd.ok()) {
    LogError(listen_fd.status().message());
    return 1;
  }
  auto engine = store::Engine::Open(EngineOptionsFor(config));
  if (!engine.ok()) {
    LogError(engine.status().message());
    return 1;
  }
  int rc = 0;
  {
    auto daemon = Daemon::Open(config, **engine, {.listen_fd = *listen_fd});
    if (!daemon.ok()) {
      LogError(daemon.status().message());
      rc = 1;
    } else {
      rc = (*daemon)->Serve();
    }
  }  // every Registry is closed now
  (*engine)->Close();
  if (rc != 0) return rc;
  std::error_code ec;
  if (*listen_fd < 0) std::filesystem::remove(config.socket_path, ec);  // else systemd's
  LogInfo("rosterd stopped cleanly");
  return 0;
}

}  // namespace roster::daemon

// core.cc — the core's thread: open the engine, recover, serve, stop (see
// core.h).
#include "cluster/core.h"

#include <unistd.h>

#include <filesystem>

#include "util/log.h"
#include "util/thread_name.h"

namespace roster::cluster {

Core::Core(daemon::DaemonConfig config, int listen_fd, std::function<void()> on_ready,
           daemon::Dispatcher::ClusterStatus cluster_status)
    : config_(std::move(config)),
      listen_fd_(listen_fd),
      on_ready_(std::move(on_ready)),
      cluster_status_(std::move(cluster_status)) {}

Core::~Core() { Stop(); }

void Core::Start() {
  if (thread_.joinable()) thread_.join();  // a core that ended by itself
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  running_ = true;
  thread_ = std::thread([this] { Run(); });
  NameThread(thread_, "core");
}

void Core::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (daemon_) daemon_->Stop();
  }
  if (thread_.joinable()) thread_.join();
}

void Core::Run() {
  LogInfo("this member's node leads: starting the core on " + config_.socket_path);
  auto engine = store::Engine::Open(daemon::EngineOptionsFor(config_));
  if (!engine.ok()) {
    LogError("the core did not start: " + engine.status().message());
    running_ = false;
    return;
  }
  {
    daemon::DaemonOptions options;
    // The core's server owns (and closes) what it serves: a duplicate, so
    // that systemd's socket stays open for the next start.
    const int fd = listen_fd_ >= 0 ? ::dup(listen_fd_) : -1;
    options.listen_fd = fd;
    options.handle_signals = false;
    options.cluster_status = cluster_status_;
    options.on_ready = [this] {
      serving_ = true;
      if (on_ready_) on_ready_();
    };
    auto daemon = daemon::Daemon::Open(config_, **engine, std::move(options));
    if (!daemon.ok()) {
      if (fd >= 0) ::close(fd);
      LogError("the core did not start: " + daemon.status().message());
    } else {
      {
        std::lock_guard lock(mu_);
        daemon_ = daemon->get();
        if (stop_) daemon_->Stop();  // asked while it was opening
      }
      (*daemon)->Serve();
      std::lock_guard lock(mu_);
      daemon_ = nullptr;
    }
  }  // every Registry is closed now
  serving_ = false;
  (*engine)->Close();
  if (listen_fd_ < 0) {
    std::error_code ec;
    std::filesystem::remove(config_.socket_path, ec);
  }
  LogInfo("the core stopped");
  running_ = false;
}

}  // namespace roster::cluster

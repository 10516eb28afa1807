// cluster_fixture.h — what the cluster transport's tests share: an io
// thread for doors and fronts in the test process, secret files, and TLS
// material (a CA and member certificates made with the openssl command, as
// a person would make them), and a door piping to a real rosterd.
#pragma once

#include <sys/stat.h>

#include <boost/asio.hpp>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/door.h"
#include "cluster/front.h"
#include "cluster/security.h"
#include "daemon/config.h"
#include "daemon_harness.h"

namespace roster::testing {

namespace asio = boost::asio;

// An io_context run by one thread until the object is destroyed.
class IoThread {
 public:
  IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }
  // Runs `f` on the io thread and waits for it.
  template <typename F>
  auto Run(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Writes `text` to `path` with `mode`.
inline std::string WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

// Runs a shell command; throws when it fails.
inline void Sh(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("failed: " + command);
}

// A CA and certificates it signed, in `dir` (EC P-256, valid one day).
class TlsMaterial {
 public:
  explicit TlsMaterial(const TempDir& dir, const std::string& name = "ca") : dir_(dir), ca_(name) {
    Sh("cd " + dir_.path().string() +
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
       ca_ + ".key -out " + ca_ + ".pem -days 1 -subj /CN=" + ca_);
  }
  std::string ca() const { return dir_.File(ca_ + ".pem"); }
  // A member's certificate signed by this CA: {cert, key}.
  std::pair<std::string, std::string> Member(const std::string& name) const {
    const std::string n = ca_ + "-" + name;
    Sh("cd " + dir_.path().string() +
       " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + n +
       ".key -out " + n + ".csr -subj /CN=" + name + " && openssl x509 -req -in " + n +
       ".csr -CA " + ca_ + ".pem -CAkey " + ca_ + ".key -CAcreateserial -out " + n +
       ".pem -days 1");
    return {dir_.File(n + ".pem"), dir_.File(n + ".key")};
  }

 private:
  const TempDir& dir_;
  std::string ca_;
};

// A configuration for a member whose node would be at 127.0.0.1:P-1, so its
// door is on the free port P; with the secret file (0600) and, when `tls`,
// a member certificate of `tls`.
inline daemon::DaemonConfig MemberConfig(const TempDir& dir, const std::string& name,
                                         const std::string& secret,
                                         const TlsMaterial* tls = nullptr) {
  daemon::DaemonConfig c = daemon::DefaultConfig();
  c.cluster = "127.0.0.1:" + std::to_string(FreeLoopbackPort() - 1);
  c.cluster_secret_file = WriteFile(dir.File(name + ".secret"), secret, 0600);
  if (tls) {
    auto [cert, key] = tls->Member(name);
    c.cluster_tls_cert = cert;
    c.cluster_tls_key = key;
    c.cluster_tls_ca = tls->ca();
  }
  return c;
}

inline cluster::Security MustLoad(const daemon::DaemonConfig& c) {
  auto s = cluster::Security::Load(c);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return std::move(s).value();
}

inline const std::string kSecret = "a cluster secret of 32 bytes....\n";

// A door in the test process (on its own io thread) whose core is the
// socket `core()` returns.
class TestDoor {
 public:
  TestDoor(daemon::DaemonConfig config, cluster::CoreSocket core)
      : config_(std::move(config)), security_(MustLoad(config_)) {
    door_ = std::make_unique<cluster::Door>(io_.io(), config_, security_, std::move(core));
    Status s = io_.Run([&] { return door_->Start(); });
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
  ~TestDoor() {
    io_.Run([&] {
      door_->Stop();
      return 0;
    });
    io_.Run([&] {  // let the closed connections' handlers end
      door_.reset();
      return 0;
    });
  }
  const std::string& address() const { return door_->address(); }
  size_t connections() {
    return io_.Run([&] { return door_->connections(); });
  }

 private:
  IoThread io_;
  daemon::DaemonConfig config_;
  cluster::Security security_;
  std::unique_ptr<cluster::Door> door_;
};

// Where the test says the primary is; read by a front's locator.
class Where {
 public:
  void Set(cluster::Primary p) {
    std::lock_guard lock(mu_);
    p_ = std::move(p);
  }
  cluster::Primary Get() {
    std::lock_guard lock(mu_);
    return p_;
  }
  cluster::PrimaryLocator Locator() {
    return [this] { return Get(); };
  }

 private:
  std::mutex mu_;
  cluster::Primary p_;
};

// A front in the test process on `config.socket_path`.
class TestFront {
 public:
  TestFront(daemon::DaemonConfig config, cluster::PrimaryLocator locator)
      : config_(std::move(config)), security_(MustLoad(config_)) {
    front_ = std::make_unique<cluster::Front>(io_.io(), config_, security_, std::move(locator));
    Status s = io_.Run([&] { return front_->Listen(); });
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
  ~TestFront() {
    io_.Run([&] {
      front_->Stop();
      return 0;
    });
    // The relays close once answered (at most shutdown_grace_ms).
    for (int i = 0; i < 500 && io_.Run([&] { return front_->connections(); }) > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io_.Run([&] {
      front_.reset();
      return 0;
    });
  }
  const std::string& socket() const { return config_.socket_path; }
  RpcClient Client() const { return RpcClient(config_.socket_path); }
  void PrimaryChanged() {
    io_.Run([&] {
      front_->PrimaryChanged();
      return 0;
    });
  }
  size_t connections() {
    return io_.Run([&] { return front_->connections(); });
  }

 private:
  IoThread io_;
  daemon::DaemonConfig config_;
  cluster::Security security_;
  std::unique_ptr<cluster::Front> front_;
};

}  // namespace roster::testing

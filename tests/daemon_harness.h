// daemon_harness.h — integration-test helpers: start the real rosterd binary
// on a temporary socket and database, and talk to it with a small blocking
// JSON-RPC client over the Unix socket (with timeouts, so a test never hangs).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace roster::testing {

namespace json = boost::json;

// The binary under test: the build's, unless the environment names another
// (ROSTER_TEST_ROSTERD=/path/to/old/rosterd runs the suite against an older
// build, to see a test fail without the fix it covers).
inline std::string BinaryUnderTest(const char* env, const char* built) {
  const char* v = std::getenv(env);
  return v && *v ? v : built;
}

// Connects to a Unix socket; -1 on failure.
inline int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class RpcClient {
 public:
  explicit RpcClient(const std::string& socket) : fd_(ConnectUnix(socket)) {
    if (fd_ < 0) throw std::runtime_error("cannot connect to " + socket);
  }
  ~RpcClient() { Close(); }
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void SendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<size_t>(n);
    }
  }

  // The next line, or nullopt on timeout or EOF.
  std::optional<std::string> ReadLine(int timeout_ms = 10'000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return std::nullopt;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }
  bool eof() const { return eof_; }

  // The next message that is a response (notifications are kept for Next()).
  json::value ReadResponse(int timeout_ms = 10'000) {
    for (;;) {
      auto line = ReadLine(timeout_ms);
      if (!line) throw std::runtime_error("no response (timeout or EOF)");
      json::value v = json::parse(*line);
      if (v.is_object() && v.as_object().contains("method")) {
        notes_.push_back(v);
        continue;
      }
      return v;
    }
  }

  // Sends a request and returns the whole response object.
  json::value Call(const std::string& method, json::object params = {}) {
    json::object req{{"jsonrpc", "2.0"}, {"id", ++next_id_}, {"method", method}};
    if (!params.empty()) req["params"] = std::move(params);
    SendRaw(json::serialize(req) + "\n");
    return ReadResponse();
  }

  // The result of a call that must succeed.
  json::value Ok(const std::string& method, json::object params = {}) {
    json::value r = Call(method, std::move(params));
    if (!r.as_object().contains("result")) {
      throw std::runtime_error(method + " failed: " + json::serialize(r));
    }
    return r.at("result");
  }

  // The error reason of a call that must fail ("" if it succeeded).
  std::string Reason(const std::string& method, json::object params = {}) {
    json::value r = Call(method, std::move(params));
    if (!r.as_object().contains("error")) return "";
    return std::string(r.at("error").at("data").at("reason").as_string());
  }

  // The next notification (watch.*), or null on timeout.
  json::value Next(int timeout_ms = 10'000) {
    if (!notes_.empty()) {
      json::value v = notes_.front();
      notes_.pop_front();
      return v;
    }
    auto line = ReadLine(timeout_ms);
    if (!line) return nullptr;
    return json::parse(*line);
  }

  int fd() const { return fd_; }

 private:
  int fd_;
  std::string buf_;
  std::deque<json::value> notes_;
  int64_t next_id_ = 0;
  bool eof_ = false;
};

// The real rosterd in a child process.
class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {}
  ~Daemon() {
    if (pid_ > 0) Kill9();
  }

  std::string socket() const { return socket_.empty() ? dir_.File("roster.sock") : socket_; }
  std::string db() const { return db_.empty() ? dir_.File("roster.db") : db_; }
  // Use another daemon's database or socket (to test the conflicts).
  void UseDb(const std::string& path) { db_ = path; }
  void UseSocket(const std::string& path) { socket_ = path; }
  std::string log() const { return dir_.File("rosterd.log"); }
  const TempDir& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

  // Sets an environment variable for the daemon's process.
  void SetEnv(const std::string& name, const std::string& value) { env_.emplace_back(name, value); }
  // Leaves --socket out, so the daemon takes its default (ROSTER_SOCKET, ...).
  void OmitSocketFlag() { socket_flag_ = false; }
  // Runs the daemon as this user (after opening its log as the test's user).
  void RunAs(uid_t uid) { run_as_ = uid; }
  // Starts the daemon with this open-file limit (RLIMIT_NOFILE).
  void SetFileLimit(rlim_t soft, rlim_t hard) { file_limit_ = rlimit{soft, hard}; }

  // Writes a JSON config file and passes it with --config.
  void Config(const json::object& cfg) {
    std::ofstream(dir_.File("config.json")) << json::serialize(cfg);
    extra_.push_back("--config");
    extra_.push_back(dir_.File("config.json"));
  }

  // Starts the daemon and waits until its socket answers.
  void Start() {
    pid_ = Spawn();
    for (int i = 0; i < 500; ++i) {
      int fd = ConnectUnix(socket());
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("rosterd exited at start: " + Log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("rosterd did not start: " + Log());
  }

  // Runs rosterd to completion (for start-up failures); returns its exit code,
  // the signal as 128 + signo if one killed it, or -1 if it was still running
  // after `timeout_ms` (then it is killed: a start that should fail must not
  // hang the test).
  int RunToExit(int timeout_ms = 20'000) {
    pid_t pid = Spawn();
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // SIGTERM and wait; returns the exit code, or -1 if it had not exited
  // after `timeout_ms` (it is then killed: a stop that hangs fails the test
  // instead of hanging it).
  int Stop(int timeout_ms = 30'000) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        Kill9();
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void Kill9() {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string Log() const {
    std::ifstream in(log());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  RpcClient Client() const { return RpcClient(socket()); }

 private:
  pid_t Spawn() {
    std::vector<std::string> args = {BinaryUnderTest("ROSTER_TEST_ROSTERD", ROSTERD_PATH), "--db",
                                     db()};
    if (socket_flag_) args.insert(args.end(), {"--socket", socket()});
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_t pid = fork();
    if (pid == 0) {
      int fd = ::open(log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, 2);
      for (const auto& [name, value] : env_) ::setenv(name.c_str(), value.c_str(), 1);
      if (file_limit_ && ::setrlimit(RLIMIT_NOFILE, &*file_limit_) != 0) _exit(125);
      if (run_as_ && (::setgid(*run_as_) != 0 || ::setuid(*run_as_) != 0)) _exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  TempDir dir_;
  std::string db_, socket_;
  std::vector<std::string> extra_;
  std::vector<std::pair<std::string, std::string>> env_;
  bool socket_flag_ = true;
  std::optional<uid_t> run_as_;
  std::optional<rlimit> file_limit_;
  pid_t pid_ = -1;
};

}  // namespace roster::testing

// launcher.cc — fork/exec of rosterd, readiness, stop and reaping.
#include "client/launcher.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "client/client.h"

extern char** environ;

namespace roster::client {

namespace {

// The exit status of a reaped child: its code, or 128 + its signal.
int ExitOf(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The child's environment: ours, with `env` set over it.
std::vector<std::string> Environment(const LaunchOptions& o) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    bool replaced = false;
    for (const auto& [name, value] : o.env) {
      replaced = replaced || (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
                              entry[name.size()] == '=');
    }
    if (!replaced) out.emplace_back(entry);
  }
  for (const auto& [name, value] : o.env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

DaemonProcess::~DaemonProcess() {
  if (running()) Kill();
}

// Everything the child needs is built before the fork: between fork and exec
// it only makes system calls (a parent with threads may have held the
// allocator's lock at the fork).
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("no free loopback port");
  return ntohs(addr.sin_port);
}

int FreeLoopbackPorts(int count) {
  auto free = [](int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
  };
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int first = FreeLoopbackPort();
    bool all = first + count - 1 <= 65535;
    for (int p = first + 1; all && p < first + count; ++p) all = free(p);
    if (all) return first;
  }
  throw std::runtime_error("no " + std::to_string(count) + " consecutive free loopback ports");
}

Status DaemonProcess::Spawn(const LaunchOptions& o) {
  std::vector<std::string> args = {o.binary};
  args.insert(args.end(), o.args.begin(), o.args.end());
  std::vector<std::string> env = Environment(o);
  char listen_pid[32] = "LISTEN_PID=";
  char listen_fds[] = "LISTEN_FDS=1";
  if (o.listen_fd >= 0) {
    env.emplace_back();  // two slots, filled in the child
    env.emplace_back();
  }
  std::vector<char*> argv = Pointers(args), envp = Pointers(env);
  if (o.listen_fd >= 0) {
    envp[envp.size() - 3] = listen_fds;
    envp[envp.size() - 2] = listen_pid;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) {
    pid_ = pid;
    return Status::Ok();
  }
  if (!o.log.empty()) {
    const int fd = ::open(o.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || ::dup2(fd, STDERR_FILENO) < 0) ::_exit(124);
  }
  if (o.listen_fd >= 0) {
    // dup2 clears FD_CLOEXEC on the copy; a descriptor already 3 keeps its flag.
    if (o.listen_fd == 3 ? ::fcntl(3, F_SETFD, 0) != 0 : ::dup2(o.listen_fd, 3) < 0) ::_exit(123);
    std::snprintf(listen_pid + 11, sizeof listen_pid - 11, "%d", static_cast<int>(::getpid()));
  }
  if (o.file_limit && ::setrlimit(RLIMIT_NOFILE, &*o.file_limit) != 0) ::_exit(125);
  if (o.run_as && (::setgid(*o.run_as) != 0 || ::setuid(*o.run_as) != 0)) ::_exit(126);
  // After the change of user, which clears it.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(1);  // the parent died before the line above
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

Status DaemonProcess::WaitReady(const std::string& socket, std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (running() && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("rosterd exited at start with status " +
                                 std::to_string(ExitOf(status)));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) {
      return Status::Unavailable("rosterd did not answer on " + socket + " within " +
                                 std::to_string(timeout.count()) + " ms");
    }
    if (auto c = Client::Connect(socket, static_cast<int>(left.count())); c.ok()) {
      if (c.value()->Call("status").ok()) return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

int DaemonProcess::Wait(int timeout_ms) {
  if (!running()) return -1;
  const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) {
      const bool reaped = done == pid_;
      pid_ = -1;
      return reaped ? ExitOf(status) : -1;
    }
    if (Clock::now() > end) {
      Kill();
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int DaemonProcess::Stop(int timeout_ms) {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  return Wait(timeout_ms);
}

void DaemonProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace roster::client

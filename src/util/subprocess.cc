// subprocess.cc — posix_spawnp with two pipes, a poll loop and a deadline.
#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace roster {
namespace {

// Both ends close-on-exec; the child gets its ends through dup2 only.
bool MakePipe(int fds[2]) { return ::pipe2(fds, O_CLOEXEC) == 0; }

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

}  // namespace

Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, int timeout_ms,
                                 size_t max_output) {
  if (argv.empty()) return Status::InvalidParams("no program to run");
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (!MakePipe(out) || !MakePipe(err)) {
    CloseAll({out[0], out[1], err[0], err[1]});
    return Status::Unavailable("cannot start " + argv[0] + ": no pipe (" + std::strerror(errno) +
                               ")");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  // Default signal handling and an empty mask in the child, whatever the
  // caller ignores (rosterd ignores SIGPIPE) or blocks.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t child = 0;
  const int rc = posix_spawnp(&child, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  CloseAll({out[1], err[1]});
  if (rc != 0) {
    CloseAll({out[0], err[0]});
    if (rc == ENOENT) return Status::NotFound(argv[0] + " is not installed (not found on PATH)");
    return Status::Unavailable("cannot start " + argv[0] + " (" + std::strerror(rc) + ")");
  }
  ProcessOutput result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  bool timed_out = false;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // the deadline is checked above
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        continue;
      }
      if (sinks[i]->size() < max_output) {
        sinks[i]->append(buf, std::min(static_cast<size_t>(got), max_output - sinks[i]->size()));
      }
    }
  }
  CloseAll({fds[0].fd, fds[1].fd});
  if (timed_out) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status::Unavailable(argv[0] + " did not finish within " + std::to_string(timeout_ms) +
                               " ms and was stopped");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace roster

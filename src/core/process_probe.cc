// process_probe.cc — /proc/PID/stat parsing and `tmux list-sessions`.
#include "core/process_probe.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace roster {
namespace {

class SystemProbe final : public ProcessProbe {
 public:
  std::optional<int64_t> StartTime(int64_t pid) override {
    if (pid <= 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: skip to the last ')'.
    size_t close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    // Fields 3..21 precede starttime (field 22).
    for (int i = 3; i <= 21; ++i) rest >> field;
    int64_t start = 0;
    if (!(rest >> start)) return std::nullopt;
    return start;
  }

  std::optional<std::set<std::string>> TmuxSessions() override {
    int fds[2];
    if (pipe(fds) != 0) return std::nullopt;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    const char* argv[] = {"tmux", "list-sessions", "-F", "#{session_name}", nullptr};
    pid_t child = 0;
    int rc = posix_spawnp(&child, "tmux", &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      return std::nullopt;
    }
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int wstatus = 0;
    waitpid(child, &wstatus, 0);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) return std::nullopt;
    std::set<std::string> names;
    std::istringstream lines(out);
    for (std::string l; std::getline(lines, l);) {
      if (!l.empty()) names.insert(l);
    }
    return names;
  }
};

}  // namespace

std::shared_ptr<ProcessProbe> SystemProcessProbe() { return std::make_shared<SystemProbe>(); }

}  // namespace roster

// agent_env.cc — the ancestor walk through /proc and the tmux variables.
#include "ctl/agent_env.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/proc_stat.h"

namespace roster::ctl {
namespace {

// Command names of the shells that may stand between an agent and its hook.
bool IsShell(const std::string& comm) {
  static constexpr const char* kShells[] = {"sh",  "bash", "dash", "zsh", "ksh",    "mksh",
                                            "ash", "fish", "tcsh", "csh", "busybox"};
  for (const char* s : kShells) {
    if (comm == s) return true;
  }
  return false;
}

}  // namespace

std::optional<int64_t> FindAgentPid() {
  int64_t pid = ::getppid();
  for (int depth = 0; depth < 32 && pid > 1; ++depth) {
    auto st = ReadProcStat(pid);
    if (!st) return std::nullopt;
    if (!IsShell(st->comm)) return pid;
    pid = st->ppid;
  }
  return std::nullopt;
}

std::optional<TmuxPane> PaneFromEnvironment() {
  const char* tmux = std::getenv("TMUX");
  const char* pane = std::getenv("TMUX_PANE");
  if (!tmux || !pane || !*tmux || !*pane) return std::nullopt;
  // $TMUX is "socket_path,server_pid,session_index".
  std::string socket(tmux);
  socket = socket.substr(0, socket.find(','));
  TmuxPane p;
  if (!socket.empty()) p.socket = socket;
  p.pane = pane;
  return p;
}

}  // namespace roster::ctl

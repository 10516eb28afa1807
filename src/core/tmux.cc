// tmux.cc — tmux commands with a deadline, and their errors as sentences.
#include "core/tmux.h"

#include <sstream>

#include "util/subprocess.h"

namespace roster {
namespace {

std::string Where(const TmuxPane& p) {
  return "tmux pane " + p.pane + (p.socket ? " (server " + *p.socket + ")" : "");
}

// Runs `tmux [-S socket] args...`; a failure becomes a sentence about `p`.
Result<std::string> Tmux(const TmuxPane& p, std::vector<std::string> args, int timeout_ms) {
  std::vector<std::string> argv = {"tmux"};
  if (p.socket) {
    argv.push_back("-S");
    argv.push_back(*p.socket);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv, timeout_ms);
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound) {
      return Status::Unavailable(
          "tmux is not installed (or not on rosterd's PATH), so the session's pane cannot be "
          "reached; install tmux");
    }
    return Status::Unavailable("tmux did not answer for " + Where(p) + ": " + r.status().message());
  }
  if (r->exit_code == 0) return std::move(r->out);
  const std::string& e = r->err;
  if (e.find("no server running") != std::string::npos ||
      e.find("error connecting") != std::string::npos ||
      e.find("server exited") != std::string::npos || e.find("lost server") != std::string::npos) {
    return Status::InvalidState("no tmux server is running for " + Where(p) +
                                "; the session's tmux is gone");
  }
  if (e.find("can't find") != std::string::npos) {
    return Status::InvalidState(Where(p) + " no longer exists");
  }
  return Status::Unavailable("tmux failed (exit " + std::to_string(r->exit_code) + ") on " +
                             Where(p));
}

}  // namespace

Result<std::string> TmuxSessionOf(const TmuxPane& pane, int timeout_ms) {
  auto r = Tmux(pane, {"display-message", "-p", "-t", pane.pane, "#{session_name}"}, timeout_ms);
  if (!r.ok()) return r.status();
  std::string name = std::move(r.value());
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  if (name.empty()) return Status::InvalidState(Where(pane) + " belongs to no session");
  return name;
}

// Two commands, not one joined by ";": an argument that ends in ";" would be
// taken for a separator, and the text must reach the pane as it is.
Status TmuxType(const TmuxPane& pane, const std::string& text, int timeout_ms) {
  auto typed = Tmux(pane, {"send-keys", "-t", pane.pane, "-l", "--", text}, timeout_ms);
  if (!typed.ok()) return typed.status();
  auto enter = Tmux(pane, {"send-keys", "-t", pane.pane, "Enter"}, timeout_ms);
  return enter.ok() ? Status::Ok() : enter.status();
}

Result<std::vector<std::string>> TmuxLastLines(const TmuxPane& pane, int lines, int timeout_ms) {
  // From `lines` back in the history to the bottom of the screen, whose
  // unused rows are blank: those are dropped before counting.
  auto r = Tmux(pane, {"capture-pane", "-p", "-J", "-t", pane.pane, "-S", std::to_string(-lines)},
                timeout_ms);
  if (!r.ok()) return r.status();
  std::vector<std::string> all;
  std::istringstream in(r.value());
  for (std::string l; std::getline(in, l);) {
    while (!l.empty() && (l.back() == ' ' || l.back() == '\r')) l.pop_back();
    all.push_back(std::move(l));
  }
  while (!all.empty() && all.back().empty()) all.pop_back();
  if (all.size() > static_cast<size_t>(lines)) all.erase(all.begin(), all.end() - lines);
  return all;
}

std::optional<std::set<std::string>> TmuxSessionNames(int timeout_ms) {
  auto r = RunProcess({"tmux", "list-sessions", "-F", "#{session_name}"}, timeout_ms);
  if (!r.ok() || r->exit_code != 0) return std::nullopt;
  std::set<std::string> names;
  std::istringstream lines(r->out);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty()) names.insert(l);
  }
  return names;
}

}  // namespace roster

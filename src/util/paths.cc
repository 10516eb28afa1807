// paths.cc — default socket and database paths (XDG base directories).
#include "util/paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace roster {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

std::string Home() {
  std::string home = Env("HOME");
  if (!home.empty()) return home;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_dir;
  return "/tmp";
}

}  // namespace

std::string DefaultSocketPath() {
  if (std::string s = Env("ROSTER_SOCKET"); !s.empty()) return s;
  if (std::string run = Env("XDG_RUNTIME_DIR"); !run.empty()) return run + "/roster.sock";
  return "/tmp/roster-" + std::to_string(getuid()) + "/roster.sock";
}

static std::string StateDir() {
  std::string state = Env("XDG_STATE_HOME");
  if (state.empty()) state = Home() + "/.local/state";
  return state + "/roster";
}

std::string DefaultDbPath() { return StateDir() + "/roster.db"; }

std::string DefaultDqliteDir() { return StateDir() + "/dqlite"; }

}  // namespace roster

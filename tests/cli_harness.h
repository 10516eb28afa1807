// cli_harness.h — running the real programs as a user would from a shell
// (for the CLI, completion and install tests): a command line with stdin
// text, its exit code and what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "daemon_harness.h"

namespace roster::testing {

struct Ran {
  int code;
  std::string out, err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs a shell command line in `dir` (files stdin/stdout/stderr there) with
// ROSTER_SOCKET set to `socket`; captures stdout and stderr.
inline Ran ShIn(const TempDir& dir, const std::string& socket, const std::string& cmd,
                const std::string& stdin_text = "") {
  std::string in = dir.File("stdin"), out = dir.File("stdout"), err = dir.File("stderr");
  std::ofstream(in) << stdin_text;
  std::string line =
      "ROSTER_SOCKET=" + socket + " NO_COLOR=1 " + cmd + " <" + in + " >" + out + " 2>" + err;
  int status = std::system(line.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

// The client programs under test (the build's, unless the environment names
// others: daemon_harness.h, BinaryUnderTest).
#ifdef ROSTERCTL_PATH
inline const std::string kRosterctl = BinaryUnderTest("ROSTER_TEST_ROSTERCTL", ROSTERCTL_PATH);
#endif
#ifdef ROSTER_BACKUP_PATH
inline const std::string kRosterBackup = BinaryUnderTest("ROSTER_TEST_BACKUP", ROSTER_BACKUP_PATH);
#endif

// The same, against a running daemon.
inline Ran Sh(const Daemon& d, const std::string& cmd, const std::string& stdin_text = "") {
  return ShIn(d.dir(), d.socket(), cmd, stdin_text);
}

}  // namespace roster::testing

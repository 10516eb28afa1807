// install_harness.h — a user's machine in a temporary directory, for the
// install and README tests: a HOME, an XDG_RUNTIME_DIR, an XDG_STATE_HOME
// that is not the default (so an example that hard-codes ~/.local/state
// fails), a work directory whose `build` is this build tree, and a shell
// whose environment holds only those and a PATH without the build tree.
#pragma once

#include <sys/stat.h>

#include <filesystem>

#include "cli_harness.h"

namespace roster::testing {

class UserMachine {
 public:
  UserMachine() {
    for (const char* d : {"home", "run", "work", "home/xdg-state"})
      std::filesystem::create_directories(dir_.File(d));
    ::chmod(dir_.File("run").c_str(), 0700);
    std::filesystem::create_directory_symlink(ROSTER_BINARY_DIR, dir_.File("work/build"));
  }

  std::string home() const { return dir_.File("home"); }
  std::string runtime_dir() const { return dir_.File("run"); }
  std::string state_home() const { return dir_.File("home/xdg-state"); }
  std::string work() const { return dir_.File("work"); }
  const TempDir& dir() const { return dir_; }

  // Runs `cmd` with bash in the work directory, with the user's environment
  // only (HOME, XDG dirs, PATH = ~/.local/bin then the system's, UTF-8).
  Ran Sh(const std::string& cmd, int timeout_s = 120) const {
    std::ofstream(dir_.File("cmd.sh")) << cmd << "\n";
    const std::string env = "env -i HOME=" + home() + " XDG_RUNTIME_DIR=" + runtime_dir() +
                            " XDG_STATE_HOME=" + state_home() + " PATH=" + home() +
                            "/.local/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 USER=tester";
    return ShIn(dir_, runtime_dir() + "/roster.sock",
                "cd " + work() + " && timeout " + std::to_string(timeout_s) + " " + env + " bash " +
                    dir_.File("cmd.sh"));
  }

 private:
  TempDir dir_;
};

}  // namespace roster::testing

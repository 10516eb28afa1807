// top_proc.h — `rosterctl top` attached to the daemon under test (fleet
// --top): the real console on a pseudo-terminal of --top-rows rows by 120
// columns, whose output a thread reads and drops as a terminal would take
// it. Its cost on the daemon (one more watch, and once a second one batch of
// session.get for the rows on screen) then shows in the daemon's figures,
// and its own CPU time is reported beside them.
#pragma once

#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "daemon_proc.h"

namespace roster::bench {

class TopProcess {
 public:
  TopProcess(const Options& o, const std::string& socket, int rows) {
    winsize ws{static_cast<unsigned short>(rows), 120, 0, 0};
    const pid_t parent = getpid();
    pid_ = forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ < 0) throw std::runtime_error("cannot open a pseudo-terminal for rosterctl top");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      setenv("TERM", "xterm-256color", 1);
      execl(o.rosterctl.c_str(), o.rosterctl.c_str(), "--socket", socket.c_str(), "top", nullptr);
      _exit(127);
    }
    drain_ = std::thread([this] {
      char buf[65536];
      for (ssize_t n; (n = ::read(master_, buf, sizeof buf)) > 0;) bytes_ += n;
    });
  }
  ~TopProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    drain_.join();  // the read fails once the terminal's last user is gone
    ::close(master_);
  }
  TopProcess(const TopProcess&) = delete;
  TopProcess& operator=(const TopProcess&) = delete;

  // Whether the console still runs (it must survive the whole load).
  bool Running() const { return waitpid(pid_, nullptr, WNOHANG) == 0; }
  // CPU time (user + system) it has used so far, in microseconds.
  double CpuUs() const {
    std::string stat;
    std::getline(std::ifstream("/proc/" + std::to_string(pid_) + "/stat"), stat);
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i >= 14) ticks += std::stod(field);
    }
    return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  // Bytes it wrote to its terminal so far.
  int64_t bytes() const { return bytes_; }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::atomic<int64_t> bytes_{0};
  std::thread drain_;
};

}  // namespace roster::bench

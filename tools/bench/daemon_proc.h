// daemon_proc.h — roster-bench's daemon under test: a rosterd child process
// (client/launcher.h) on a temporary directory with a config file, or (with
// --socket) a daemon that is already running. Also the options every
// scenario reads.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/launcher.h"
#include "load.h"

namespace roster::bench {

namespace json = boost::json;
namespace fs = std::filesystem;

struct Options {
  std::string scenario, sync = "normal", socket, rosterd = ROSTERD_PATH, rosterctl = ROSTERCTL_PATH;
  // The store engine of the daemon under test: file, dqlite (one embedded
  // node on loopback), or both (main.cc runs the scenario on each in turn
  // and prints them side by side).
  std::string engine = "file";
  std::string dir;  // dqlite: where the node's data goes (default: the temp directory)
  bool json = false;
  int64_t sessions = 10'000, ops = 100'000, conns = 4, depth = 1, watchers = 1, entries = 1'000'000;
  int64_t body_bytes = 1024, runs = 200;
  double rate = 0;        // fanout: changes per second from one paced connection; 0 = unpaced
  bool top = false;       // fleet: `rosterctl top` attached during the load
  int64_t top_rows = 50;  // ...on a terminal this many rows high
};

// The daemon under test: a child process on a temporary directory.
// The daemon's host; rows seeded straight into the database carry it, as
// rows the daemon wrote would.
inline constexpr const char* kBenchHost = "bench";

class Daemon {
 public:
  // With o.socket set, the daemon is an already running one: nothing is
  // started or stopped, and its memory and files are not measured.
  Daemon(const Options& o, json::object config) : o_(o) {
    if (external()) return;
    dir_ = fs::temp_directory_path() / ("roster-bench-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    config["host"] = kBenchHost;
    // The node's address stays the same across restarts (its Raft
    // configuration holds it).
    if (dqlite()) cluster_ = "127.0.0.1:" + std::to_string(client::FreeLoopbackPort());
    config["max_live_sessions"] = 1'000'000;
    config["max_connections"] = 4096;
    config["max_subscribers"] = 1024;
    std::ofstream(dir_ / "config.json") << json::serialize(config);
  }
  bool external() const { return !o_.socket.empty(); }
  ~Daemon() {
    Stop();
    if (external()) return;
    std::error_code ec;
    if (!std::getenv("ROSTER_BENCH_KEEP")) fs::remove_all(dir_, ec);  // keep: read rosterd.log
  }
  bool dqlite() const { return o_.engine == "dqlite"; }
  std::string db() const { return (dir_ / "roster.db").string(); }
  // dqlite: the node's address and data directory (--dir puts it elsewhere).
  const std::string& cluster() const { return cluster_; }
  std::string data() const {
    return ((o_.dir.empty() ? dir_ : fs::path(o_.dir)) / "dqlite").string();
  }
  std::string socket() const { return external() ? o_.socket : (dir_ / "roster.sock").string(); }

  // Starts rosterd; returns milliseconds from spawn until it answers `status`.
  double Start() {
    auto t0 = Clock::now();
    if (!external()) {
      std::vector<std::string> args = {"--socket", socket(), "--config",
                                       (dir_ / "config.json").string()};
      if (dqlite()) {
        args.insert(args.end(), {"--engine", "dqlite", "--cluster", cluster_, "--data", data()});
      } else {
        args.insert(args.end(), {"--db", db(), "--sync", o_.sync});
      }
      Status s =
          proc_.Spawn({.binary = o_.rosterd, .args = args, .log = (dir_ / "rosterd.log").string()});
      if (!s.ok()) throw std::runtime_error(s.ToString());
    }
    if (Status s = proc_.WaitReady(socket()); !s.ok()) throw std::runtime_error(s.ToString());
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }
  // SIGTERM, and waits for the exit.
  void Stop() { proc_.Stop(60'000); }
  int64_t RssKiB() const {
    std::ifstream in("/proc/" + std::to_string(proc_.pid()) + "/status");
    for (std::string l; std::getline(in, l);) {
      if (l.rfind("VmRSS:", 0) == 0) return std::stoll(l.substr(6));
    }
    return 0;
  }
  // CPU time (user + system) the daemon's threads have used so far, in
  // microseconds, summed per thread name ("io" for the main thread). Read
  // from /proc/PID/task/*/stat, not from top or ps: on this machine both show
  // the whole process's figure on the main thread's line. Empty for a daemon
  // given with --socket.
  std::map<std::string, double> ThreadCpuUs() const {
    std::map<std::string, double> out;
    const pid_t pid = proc_.pid();
    if (pid <= 0) return out;
    const double us_per_tick = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    const fs::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& t : fs::directory_iterator(tasks, ec)) {
      std::string name, stat;
      std::getline(std::ifstream(t.path() / "comm"), name);
      std::getline(std::ifstream(t.path() / "stat"), stat);
      // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
      std::istringstream rest(stat.substr(stat.rfind(')') + 2));
      std::string field;
      double ticks = 0;
      for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i >= 14) ticks += std::stod(field);
      }
      out[t.path().filename() == std::to_string(pid) ? "io" : name] += ticks * us_per_tick;
    }
    return out;
  }
  // What the store takes, as `status` reports it: file: the database and
  // its WAL on disk; dqlite: the database (in memory on every node) and the
  // node's Raft log and snapshots on disk.
  void AddStoreBytes(json::object& r) const {
    boost::system::error_code ec;
    json::value v = json::parse(
        CallOnce(socket(), R"({"jsonrpc":"2.0","id":0,"method":"status"})", nullptr), ec);
    const json::value* status = ec ? nullptr : v.find_pointer("/result", ec);
    if (!status || !status->is_object()) return;
    for (const char* key : {"db_bytes", "wal_bytes", "raft_bytes"}) {
      if (const json::value* n = status->as_object().if_contains(key)) r[key] = *n;
    }
    if (!dqlite()) {  // the file itself, whatever status says
      std::error_code fec;
      auto n = fs::file_size(db(), fec);
      r["db_bytes"] = fec ? 0 : static_cast<int64_t>(n);
    }
  }

 private:
  const Options& o_;
  fs::path dir_;
  std::string cluster_;
  client::DaemonProcess proc_;
};
}  // namespace roster::bench

// host_agent.h — a cluster member's host duties, done as a client of the
// registry. Only the rosterd on a machine can look at that machine (pids and
// their start times in /proc, git branches under the roots), and only the
// primary's core writes; so every member runs a HostAgent, which talks
// JSON-RPC to its own rosterd's public socket (the front relays it to the
// primary) and does for its host what a rosterd on one machine does for
// itself (daemon/daemon.h, cleanup.h, host_beat.h):
//   - at start, host.start (restart grace for this host's live sessions, its
//     start in `hosts`), retried until answered: the cluster may still be
//     electing a primary;
//   - every beat interval (host_timeout_ms / 4), host.beat;
//   - every probe interval (cleanup_interval_ms), the recorded processes of
//     this host's live sessions (host.sessions probe "pid"), probed here
//     (core/host_probe.h), and the gone ones reported (host.report exited),
//     with the start time of those recorded without one (host.report
//     started: the core cannot read it when their pid is registered);
//   - every branch interval (branch_interval_ms; 0: never), the roots of this
//     host's sessions, their branches read here, and the changed ones
//     reported (host.report branches);
//   - every probe interval too, this host's teams (team.list): whether each
//     root holds its compose marker (host.report teams; the core records a
//     change of state, which team.stale lists).
// Findings go in reports of at most `part` entries; the core applies each
// only to this host's sessions still as they were when probed, so a report
// sent twice (an answer lost) changes nothing the second time.
//
// The agent runs on a thread of its own with the blocking client (every
// wait bounded by call_timeout_ms): it never holds anybody's io thread. A
// failing call is logged (the log rate-limits repeats) and the duty is tried
// again at its next turn, on a new connection if the old one broke; the
// daemon restarting, or the primary moving, costs a round or two.
//
// Thread-safety: Start and Stop from one thread (the member's); Stop
// interrupts a call in flight and joins. The destructor stops.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "core/process_probe.h"

namespace roster::cluster {

struct HostAgentOptions {
  std::string socket;    // this member's public socket
  std::string host;      // this host's name (config.registry.host)
  std::string hostname;  // the machine's hostname (daemon::MachineHostname())
  std::chrono::milliseconds probe_interval{1000};   // config.cleanup_interval_ms
  std::chrono::milliseconds branch_interval{5000};  // config.branch_interval_ms (0: never)
  std::chrono::milliseconds beat_interval{15000};   // config.registry.host_timeout_ms / 4
  int64_t part = 200;          // config.cleanup_batch (at most daemon::kMaxHostEntries)
  int call_timeout_ms = 5000;  // each wait for the registry
  std::string compose_marker = "team-compose.yaml";  // config.registry.compose_marker
  // Processes are judged with it (tests may script it); default: /proc.
  std::shared_ptr<ProcessProbe> probe;
};

class HostAgent {
 public:
  explicit HostAgent(HostAgentOptions options);
  ~HostAgent();
  HostAgent(const HostAgent&) = delete;
  HostAgent& operator=(const HostAgent&) = delete;

  // Starts the agent's thread. REQUIRES: called once.
  void Start();
  // Stops it: a call in flight is cut short; returns once the thread ended.
  void Stop();

  // Whether host.start was answered (for status and tests).
  bool started() const { return started_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Run();
  // Waits until `until` or Stop; false when stopping.
  bool WaitUntil(Clock::time_point until);
  // One call on the connection (made first if there is none); a broken
  // connection is dropped for the next call to make anew.
  Result<boost::json::value> Call(const std::string& method, boost::json::object params);
  bool SendStart();
  void Beat();
  void ProbeProcesses();
  void ProbeBranches();
  void ProbeTeamRoots();
  // Every page of host.sessions with `probe`.
  Result<boost::json::array> ReadSessions(const char* probe);
  // host.report with `key` = the entries, in parts of options_.part.
  void Report(const char* key, const boost::json::array& entries);

  const HostAgentOptions options_;
  std::atomic<bool> started_{false};

  std::mutex mu_;  // guards the following
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unique_ptr<client::Client> client_;  // set and reset by the agent's thread only

  std::thread thread_;
};

}  // namespace roster::cluster

// reap.cc — roster-bench reap: what `session.reap` costs the other writers.
// N sessions are bound to one live child process (so every reap probes them
// all and removes none); the fleet's heartbeats run on 4 connections at
// depth 1, first alone and then while one more connection calls
// session.reap back to back. Reported: the heartbeats' latency in both runs
// and the reaps' own.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include "common.h"
#include "scenarios.h"

namespace roster::bench {

int Reap(Options& o) {
  Daemon d(o, {});
  d.Start();
  const pid_t agent = SpawnAgent();
  LoadResult reg = RunLoad(d.socket(), 4, 16, o.sessions, [agent](int64_t i) {
    return Req(i, "session.register", {{"id", "s" + std::to_string(i)}, {"pid", agent}});
  });
  const int64_t sessions = o.sessions;
  auto heartbeats = [&] {
    return RunLoad(d.socket(), static_cast<int>(o.conns), 1, o.ops,
                   [sessions](int64_t i) { return FleetHeartbeat(i, sessions); });
  };
  LoadResult alone = heartbeats();
  std::atomic<bool> stop{false};
  std::vector<double> reap_ms;
  std::thread reaper([&] {
    while (!stop) {
      double ms = 0;
      CallOnce(d.socket(), R"({"jsonrpc":"2.0","id":1,"method":"session.reap"})", &ms);
      reap_ms.push_back(ms * 1000);  // as microseconds, like the load's samples
    }
  });
  LoadResult beside = heartbeats();
  stop = true;
  reaper.join();
  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"sessions", o.sessions},
                 {"heartbeats", o.ops},
                 {"registered", reg.ok},
                 {"reaps", static_cast<int64_t>(reap_ms.size())},
                 {"errors", reg.errors + alone.errors + beside.errors}};
  AddLatency(r, "alone_latency", alone.latency_us);
  AddLatency(r, "beside_reap_latency", beside.latency_us);
  AddLatency(r, "reap", reap_ms);
  Report(o, r);
  return r["errors"].as_int64() == 0 && reg.ok == o.sessions ? 0 : 1;
}

}  // namespace roster::bench

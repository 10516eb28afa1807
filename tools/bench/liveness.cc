// liveness.cc — roster-bench liveness: how long after an agent's process
// exits its session turns stale (process_exited), and what watching the
// processes costs while they live. N sessions are bound to one live child
// process (the probe reads /proc once per session, whichever pid it is);
// every cleanup round probes them all on a reader thread. Each session has a
// work tree of its own, so the CPU measured while they live also covers the
// branch step (every root read once per branch_interval_ms, 5 s).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "common.h"
#include "scenarios.h"

namespace roster::bench {

int Liveness(Options& o) {
  Daemon d(o, {});
  d.Start();
  const pid_t agent = SpawnAgent();
  // Each agent in a work tree of its own (a .git directory with a HEAD), so
  // the branch step reads one root per session, as with one worktree each.
  const fs::path roots =
      fs::temp_directory_path() / ("roster-bench-roots-" + std::to_string(getpid()));
  for (int64_t i = 0; i < o.sessions; ++i) {
    const fs::path git = roots / ("r" + std::to_string(i)) / ".git";
    fs::create_directories(git);
    std::ofstream(git / "HEAD") << "ref: refs/heads/b" << i << "\n";
  }
  LoadResult reg = RunLoad(d.socket(), 4, 16, o.sessions, [agent, &roots](int64_t i) {
    return Req(i, "session.register",
               {{"id", "s" + std::to_string(i)},
                {"pid", agent},
                {"root", (roots / ("r" + std::to_string(i))).string()}});
  });
  auto live = [&d] {
    std::string s = CallOnce(d.socket(), R"({"jsonrpc":"2.0","id":1,"method":"status"})", nullptr);
    return json::parse(s).at("result").at("live_sessions").as_int64();
  };
  // While the agent lives: what the rounds cost (a few rounds after the
  // registrations settled).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto cpu0 = d.ThreadCpuUs();
  const auto t_cpu = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(o.sessions >= 1000 ? 5 : 1));
  const auto cpu1 = d.ThreadCpuUs();
  const double seconds = std::chrono::duration<double>(Clock::now() - t_cpu).count();
  const int64_t alive_before = live();
  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);
  const auto killed = Clock::now();
  double first_ms = -1, all_ms = -1;
  while (std::chrono::duration<double>(Clock::now() - killed).count() < 120) {
    const int64_t n = live();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
    if (n < alive_before && first_ms < 0) first_ms = ms;
    if (n == 0) {
      all_ms = ms;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::error_code ec;
  fs::remove_all(roots, ec);
  json::object cpu;
  for (const auto& [thread, us] : cpu1) {
    auto it = cpu0.find(thread);
    cpu[thread] = (us - (it == cpu0.end() ? 0 : it->second)) / seconds / 1000.0;
  }
  Report(o, {{"scenario", o.scenario},
             {"sync", SyncOf(o)},
             {"sessions", o.sessions},
             {"registered", reg.ok},
             {"alive_before_exit", alive_before},
             {"daemon_cpu_ms_per_s_while_alive", cpu},
             {"first_stale_after_exit_ms", first_ms},
             {"all_stale_after_exit_ms", all_ms}});
  return all_ms >= 0 && alive_before == o.sessions ? 0 : 1;
}

}  // namespace roster::bench

// common.cc — see common.h.
#include "common.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmath>
#include <iostream>

namespace roster::bench {

pid_t SpawnAgent() {
  const pid_t agent = fork();
  if (agent == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) ::pause();
  }
  return agent;
}

std::string Req(int64_t id, const char* method, const json::object& params) {
  return json::serialize(client::RequestObject(id, method, params));
}

std::string FleetHeartbeat(int64_t i, int64_t sessions) {
  json::object p{{"session", "s" + std::to_string(i % sessions)}};
  if (i % 10 == 0) p["meta"] = json::object{{"t_us", NowUs()}};
  return Req(i, "session.heartbeat", p);
}

double Ms(double us) { return us / 1000.0; }

std::string SyncOf(const Options& o) { return o.engine == "dqlite" ? "raft" : o.sync; }

void Report(const Options& o, json::object r) {
  r["engine"] = o.engine;
  if (o.json) {
    std::cout << json::serialize(r) << std::endl;
    return;
  }
  std::cout << o.scenario << " (" << o.engine << " engine, sync " << SyncOf(o) << ")\n";
  for (const auto& [k, v] : r)
    std::cout << "  " << std::string(k) << ": " << json::serialize(v) << "\n";
}

void AddLatency(json::object& r, const char* prefix, std::vector<double>& us) {
  Percentiles p = Summarize(us);
  r[std::string(prefix) + "_p50_ms"] = Ms(p.p50);
  r[std::string(prefix) + "_p99_ms"] = Ms(p.p99);
  r[std::string(prefix) + "_p999_ms"] = Ms(p.p999);
}

void AddCpu(json::object& r, const std::map<std::string, double>& before,
            const std::map<std::string, double>& after, int64_t ops) {
  if (after.empty() || ops <= 0) return;
  json::object per_op;
  for (const auto& [name, us] : after) {
    auto it = before.find(name);
    per_op[name] = std::round((us - (it == before.end() ? 0 : it->second)) / ops * 100) / 100;
  }
  r["daemon_cpu_us_per_op"] = std::move(per_op);
}

LoadResult Register(const std::string& socket, int64_t n, int64_t ttl_ms, int64_t offset) {
  return RunLoad(socket, 4, 16, n, [ttl_ms, offset](int64_t i) {
    return Req(i, "session.register",
               {{"id", "s" + std::to_string(i + offset)}, {"ttl_ms", ttl_ms}});
  });
}

}  // namespace roster::bench

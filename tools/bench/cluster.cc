// cluster.cc — roster-bench's `cluster` scenario: three rosterd members on
// loopback (one bootstraps, two --join it; a generated cluster secret), each
// with its own data directory, socket and ports. It measures, in this order:
//   - fleet through the primary's socket and through a relay's (a member
//     whose node does not lead): heartbeats/s and latency at --depth over
//     --conns connections, on the same registered sessions;
//   - watch delay on a relay: --watchers watchers on a relay's socket, the
//     changes (heartbeats stamped with their send time) paced at --rate
//     through the primary;
//   - failover, --runs times (default 10): a writer through a relay member
//     sends heartbeats back to back; the primary is killed (SIGKILL); the
//     outage is the time from the kill to the first acknowledged write
//     after it. The killed member is restarted (it rejoins by itself) and
//     the next round waits until it serves again.
// Reported: throughputs and their ratio (relay / primary), delivery
// percentiles, the outages (each, median, max), errors. Non-zero exit when a
// watcher missed an event or a round found no new primary.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <thread>

#include "client/client.h"
#include "client/launcher.h"
#include "common.h"
#include "scenarios.h"

namespace roster::bench {
namespace {

using Ms = std::chrono::duration<double, std::milli>;

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A node port whose next port (the member's door) is free too.
int FreePortPair() {
  for (int i = 0; i < 100; ++i) {
    const int p = client::FreeLoopbackPort();
    if (p < 65535 && PortFree(p + 1)) return p;
  }
  throw std::runtime_error("no two consecutive free loopback ports");
}

struct Member {
  std::string name, cluster, socket;
  fs::path dir;
  std::vector<std::string> args;
  client::DaemonProcess proc;
};

class Cluster {
 public:
  explicit Cluster(const Options& o) : o_(o) {
    dir_ = fs::temp_directory_path() / ("roster-bench-cluster-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    const fs::path secret = dir_ / "secret";
    { std::ofstream(secret) << "bench-secret-" << getpid() << "-0123456789abcdef\n"; }
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
    for (int i = 0; i < 3; ++i) {
      auto m = std::make_unique<Member>();
      m->name = "m" + std::to_string(i + 1);
      m->dir = dir_ / m->name;
      fs::create_directories(m->dir);
      m->cluster = "127.0.0.1:" + std::to_string(FreePortPair());
      m->socket = (m->dir / "roster.sock").string();
      json::object config{{"host", "bench-" + m->name},
                          {"max_live_sessions", 1'000'000},
                          {"max_connections", 4096},
                          {"max_subscribers", 1024},
                          {"cluster_secret_file", secret.string()}};
      std::ofstream(m->dir / "config.json") << json::serialize(config);
      m->args = {"--engine",  "dqlite",
                 "--cluster", m->cluster,
                 "--data",    (m->dir / "data").string(),
                 "--socket",  m->socket,
                 "--config",  (m->dir / "config.json").string()};
      if (i > 0) m->args.insert(m->args.end(), {"--join", members_[0]->cluster});
      members_.push_back(std::move(m));
    }
  }
  ~Cluster() {
    for (auto& m : members_) m->proc.Stop(30'000);
    std::error_code ec;
    if (!std::getenv("ROSTER_BENCH_KEEP")) fs::remove_all(dir_, ec);
  }

  void Start(Member& m) {
    Status s = m.proc.Spawn(
        {.binary = o_.rosterd, .args = m.args, .log = (m.dir / "rosterd.log").string()});
    if (!s.ok()) throw std::runtime_error(s.ToString());
    if (Status r = m.proc.WaitReady(m.socket, std::chrono::seconds(60)); !r.ok()) {
      throw std::runtime_error(m.name + ": " + r.ToString());
    }
  }
  void StartAll() {
    for (auto& m : members_) Start(*m);
    WaitForVoters(3, 60'000);
  }

  // Waits until a member reports `n` voters.
  void WaitForVoters(size_t n, int timeout_ms) {
    const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < until) {
      for (auto& m : members_) {
        if (!m->proc.running()) continue;
        auto c = client::Client::Connect(m->socket, 2000);
        if (!c.ok()) continue;
        auto r = (*c)->Call("cluster.members");
        if (!r.ok() || !r->is_array()) continue;  // [{id, address, role, leader, ...}]
        size_t voters = 0;
        for (const auto& x : r->as_array()) {
          if (x.at("role") == "voter") ++voters;
        }
        if (voters >= n) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("the cluster did not get " + std::to_string(n) + " voters");
  }

  // The member whose core serves (cluster.status role "primary"), or null.
  Member* Primary() {
    for (auto& m : members_) {
      if (!m->proc.running()) continue;
      auto c = client::Client::Connect(m->socket, 2000);
      if (!c.ok()) continue;
      auto r = (*c)->Call("cluster.status");
      if (r.ok() && r->is_object() && r->at("role") == "primary") return m.get();
    }
    return nullptr;
  }
  Member* WaitPrimary(int timeout_ms) {
    const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (; Clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      if (Member* p = Primary()) return p;
    }
    return nullptr;
  }
  Member* RelayOtherThan(const Member* a) {
    for (auto& m : members_) {
      if (m.get() != a && m->proc.running()) return m.get();
    }
    return nullptr;
  }

 private:
  const Options& o_;
  fs::path dir_;

 public:
  std::vector<std::unique_ptr<Member>> members_;
};

void AddFleet(json::object& r, const std::string& prefix, const LoadResult& load) {
  r[prefix + "_heartbeats_per_s"] = static_cast<double>(load.ok) / load.seconds;
  r[prefix + "_errors"] = load.errors;
  auto lat = load.latency_us;
  AddLatency(r, (prefix + "_latency").c_str(), lat);
}

// Heartbeats back to back through `socket` (a fresh connection after a
// failure) until `stop`; returns the time of the first acknowledged one
// after `after`.
struct Prober {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> last_ok_us{0};
  std::thread thread;
  void Run(const std::string& socket) {
    thread = std::thread([this, socket] {
      std::unique_ptr<client::Client> c;
      while (!stop) {
        if (!c) {
          auto cc = client::Client::Connect(socket, 1000);
          if (!cc.ok()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            continue;
          }
          c = std::move(cc).value();
        }
        auto r = c->Call("session.heartbeat", {{"session", "s0"}});
        if (r.ok()) {
          last_ok_us = NowUs();
        } else {
          c.reset();
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    });
  }
  ~Prober() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

int ClusterScenario(Options& o) {
  Cluster cl(o);
  cl.StartAll();
  Member* primary = cl.WaitPrimary(30'000);
  if (!primary) throw std::runtime_error("no primary");
  Member* relay = cl.RelayOtherThan(primary);
  const int64_t sessions = std::min<int64_t>(o.sessions, 2000);
  Register(primary->socket, sessions, 600'000);
  auto heartbeat = [sessions](int64_t i) {
    return Req(i, "session.heartbeat", {{"session", "s" + std::to_string(i % sessions)}});
  };
  const int conns = static_cast<int>(o.conns), depth = static_cast<int>(o.depth);
  json::object r{{"scenario", "cluster"},
                 {"members", 3},
                 {"depth", o.depth},
                 {"connections", o.conns},
                 {"ops", o.ops}};
  // Alternate primary and relay (two rounds each), keep the better of each.
  LoadResult best_p, best_r;
  for (int round = 0; round < 2; ++round) {
    LoadResult p = RunLoad(primary->socket, conns, depth, o.ops, heartbeat);
    LoadResult q = RunLoad(relay->socket, conns, depth, o.ops, heartbeat);
    if (round == 0 || p.ok / p.seconds > best_p.ok / best_p.seconds) best_p = std::move(p);
    if (round == 0 || q.ok / q.seconds > best_r.ok / best_r.seconds) best_r = std::move(q);
  }
  AddFleet(r, "primary", best_p);
  AddFleet(r, "relay", best_r);
  r["relay_over_primary"] = r["relay_heartbeats_per_s"].as_double() /
                            std::max(r["primary_heartbeats_per_s"].as_double(), 1e-9);

  // Watch delay on a relay: watchers there, changes paced through the primary.
  const double rate = o.rate > 0 ? o.rate : 200;
  const int64_t changes = std::max<int64_t>(static_cast<int64_t>(rate * 5), 100);
  int64_t delivered = 0, expected = 0;
  {
    Watcher ws(relay->socket, json::object{{"entities", json::array{"session"}}},
               static_cast<int>(std::max<int64_t>(o.watchers, 1)));
    LoadResult load = RunPaced(primary->socket, rate, changes, [sessions](int64_t i) {
      return Req(i, "session.heartbeat",
                 {{"session", "s" + std::to_string(i % sessions)}, {"meta", {{"t_us", NowUs()}}}});
    });
    expected = std::max<int64_t>(o.watchers, 1) * load.ok;
    delivered = ws.WaitFor(expected, 30'000);
    auto delays = ws.TakeDelays();
    AddLatency(r, "relay_watch_delay", delays);
    r["relay_watch_rate"] = rate;
    r["relay_watch_events_expected"] = expected;
    r["relay_watch_events_delivered"] = delivered;
  }

  // Failover: kill the primary under writes through a surviving member.
  std::vector<double> outages;
  bool all_found = true;
  for (int64_t run = 0; run < o.runs; ++run) {
    primary = cl.WaitPrimary(30'000);
    if (!primary) {
      all_found = false;
      break;
    }
    relay = cl.RelayOtherThan(primary);
    Prober prober;
    prober.Run(relay->socket);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const int64_t killed_us = NowUs();
    primary->proc.Kill();
    const auto until = Clock::now() + std::chrono::seconds(30);
    while (prober.last_ok_us.load() <= killed_us && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (prober.last_ok_us.load() <= killed_us) {
      all_found = false;
      break;
    }
    outages.push_back(static_cast<double>(prober.last_ok_us.load() - killed_us) / 1000.0);
    prober.stop = true;
    prober.thread.join();
    cl.Start(*primary);  // rejoins by itself
    cl.WaitForVoters(3, 60'000);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  json::array each;
  for (double x : outages) each.push_back(x);
  r["failover_outage_ms"] = std::move(each);
  if (!outages.empty()) {
    auto sorted = outages;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    r["failover_outage_median_ms"] = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
    r["failover_outage_max_ms"] = sorted.back();
  }
  o.engine = "dqlite";  // three members, each an embedded node
  Report(o, r);
  return delivered == expected && all_found && best_p.errors == 0 && best_r.errors == 0 ? 0 : 1;
}

}  // namespace roster::bench

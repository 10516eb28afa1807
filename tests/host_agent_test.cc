// host_agent_test.cc — a cluster member's host duties through its host agent
// (cluster/host_agent.h), against the real daemon with its own host duties
// delegated (delegating-rosterd: config.registry.host_agent, as a member
// runs its core), and the host.* methods' bad input. The agent plays host
// "h2" in this process; the core's own host is "h1"; "h3" is a host whose
// agent is elsewhere. Rows of h2 and h3 are written into the database as
// their rosterds would have (sqlite), and h2's processes are real children
// of the test.
#include "cluster/host_agent.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::DeadPid;
using testing::RpcClient;
namespace bj = boost::json;
using namespace std::chrono_literals;

int64_t NowMs() { return store::Registry::SystemNowMs(); }

// A child that runs until killed.
struct Child {
  Child() : pid(fork()) {
    if (pid == 0) {
      pause();
      _exit(0);
    }
  }
  ~Child() { Kill(); }
  void Kill() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  pid_t pid;
};

std::string Q(const std::string& s) { return "'" + s + "'"; }

// The daemon as a member's core: host h1, its host duties delegated.
struct Core {
  explicit Core(bj::object config = {}) {
    d.UseBinary(DELEGATING_ROSTERD_PATH);
    config.emplace("cleanup_interval_ms", 50);
    config.emplace("host_timeout_ms", 1000);
    d.Config(config);
    d.Start();
  }
  // A live session of `host` as its rosterd writes it (no pid: it lives by
  // its TTL).
  void Session(const std::string& id, const std::string& host, std::optional<pid_t> pid,
               std::optional<int64_t> pid_start = std::nullopt, int64_t ttl_ms = 600'000,
               const std::string& root = "") const {
    const int64_t now = NowMs();
    d.Exec(
        "INSERT INTO sessions (id, name, host, pid, pid_start, root, created_at, updated_at, "
        "last_seen, ttl_ms, expiry_check_at) VALUES (" +
        Q(id) + ", " + Q(id) + ", " + Q(host) + ", " + (pid ? std::to_string(*pid) : "NULL") +
        ", " + (pid_start ? std::to_string(*pid_start) : "NULL") + ", " + Q(root) + ", " +
        std::to_string(now) + ", " + std::to_string(now) + ", " + std::to_string(now - 5000) +
        ", " + std::to_string(ttl_ms) + ", " + std::to_string(now - 5000 + ttl_ms) + ")");
  }
  std::string Text(const std::string& sql) const {
    auto rows = d.Query(sql);
    return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
  }
  bj::value Get(const std::string& id) const {
    return d.Client().Ok("session.get", {{"session", id}});
  }
  Daemon d{{"--host", "h1"}};
};

cluster::HostAgentOptions AgentFor(const Daemon& d) {
  return {.socket = d.socket(),
          .host = "h2",
          .hostname = "box-h2",
          .probe_interval = 50ms,
          .branch_interval = 100ms,
          .beat_interval = 250ms,
          .part = 200,
          .call_timeout_ms = 2000,
          .compose_marker = "team-compose.yaml",
          .probe = nullptr};
}

// Polls `done` every 20 ms for at most `within`; whether it held.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds within = 10s) {
  for (auto deadline = std::chrono::steady_clock::now() + within;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    if (done()) return true;
  }
  return done();
}

TEST(HostAgent, HostStartGivesTheGraceToItsHostsSessionsOnly) {
  Core core;
  core.Session("h1-ttl", "h1", std::nullopt);
  core.Session("h2-ttl", "h2", std::nullopt);
  core.Session("h3-ttl", "h3", std::nullopt);
  // The core restarts: with its host duties delegated, it graces nobody,
  // not even its own host's sessions (h1's agent does that).
  ASSERT_EQ(core.d.Stop(), 0);
  core.d.Start();
  EXPECT_NE(core.d.Log().find("host duties (restart grace, heartbeat, probes) are done by each "
                              "host's agent"),
            std::string::npos)
      << core.d.Log();
  for (const char* id : {"h1-ttl", "h2-ttl", "h3-ttl"}) {
    EXPECT_TRUE(core.Get(id).at("grace_until").is_null()) << id;
  }
  EXPECT_EQ(core.Text("SELECT count(*) FROM hosts"), "0");  // no start recorded for h1

  const int64_t started = NowMs();
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  ASSERT_TRUE(Eventually([&] { return agent.started(); }));
  EXPECT_GE(core.Get("h2-ttl").at("grace_until").as_int64(), started + 600'000);
  EXPECT_TRUE(core.Get("h1-ttl").at("grace_until").is_null());
  EXPECT_TRUE(core.Get("h3-ttl").at("grace_until").is_null());
  EXPECT_EQ(core.Text("SELECT hostname FROM hosts WHERE host = 'h2'"), "box-h2");
  EXPECT_GE(std::stoll(core.Text("SELECT started_at FROM hosts WHERE host = 'h2'")), started);
}

TEST(HostAgent, HeartbeatKeepsItsHostsSessionsReachable) {
  Core core;
  core.Session("h2-1", "h2", std::nullopt);
  // No heartbeat of h2 yet: nobody vouches for its sessions.
  EXPECT_EQ(core.Get("h2-1").at("unreachable"), true);
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  ASSERT_TRUE(Eventually([&] { return core.Get("h2-1").at("unreachable") == false; }));
  // Beats every 250 ms keep it so past host_timeout_ms (1 s), and its
  // heartbeat moves on.
  const int64_t first = std::stoll(core.Text("SELECT last_seen FROM hosts WHERE host = 'h2'"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(core.Get("h2-1").at("unreachable"), false);
  EXPECT_GE(std::stoll(core.Text("SELECT last_seen FROM hosts WHERE host = 'h2'")), first + 1000);
  // The core's own HostBeat is off: h1 has no row.
  EXPECT_EQ(core.Text("SELECT count(*) FROM hosts WHERE host = 'h1'"), "0");
  // The core's expiry sweep covers h2 now that it is reachable: a TTL
  // session of h2 past its TTL turns stale.
  core.Session("h2-short", "h2", std::nullopt, std::nullopt, 1000);
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-short").at("status") == "stale"; }));
  EXPECT_EQ(core.Get("h2-short").at("status_reason"), "ttl");
}

TEST(HostAgent, AnExitedProcessOfItsHostIsReportedAndOtherHostsAreLeftAlone) {
  Core core;
  Child child;
  const auto start = SystemProcessProbe()->StartTime(child.pid);
  ASSERT_TRUE(start.has_value());
  core.Session("h2-pid", "h2", child.pid, start);
  core.Session("h2-reused", "h2", child.pid, *start + 1);  // the pid now is another process
  core.Session("h3-dead", "h3", DeadPid());
  core.Session("h1-dead", "h1", DeadPid());  // the core probes not even its own host
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-reused").at("status") == "stale"; }));
  EXPECT_EQ(core.Get("h2-reused").at("status_reason"), "process_exited");
  std::this_thread::sleep_for(300ms);  // several rounds: the live process stays live
  EXPECT_EQ(core.Get("h2-pid").at("status"), "active");

  child.Kill();
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-pid").at("status") == "stale"; }));
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 2s);  // a round is 50 ms
  EXPECT_EQ(core.Get("h2-pid").at("status_reason"), "process_exited");
  // A change of the feed, like the cleanup strand's mark.
  EXPECT_EQ(core.Text("SELECT count(*) FROM changes WHERE key = 'h2-pid' AND op = 'update'"), "1");
  for (const char* id : {"h3-dead", "h1-dead"})
    EXPECT_EQ(core.Get(id).at("status"), "active") << id;
  // Reap takes what the agent reported exited, and no other host's.
  bj::value reaped = core.d.Client().Ok("session.reap");
  EXPECT_EQ(reaped.at("sessions"), (bj::array{"h2-pid", "h2-reused"}));
}

// The core cannot read a registered pid's start time (the process runs on
// its host): it records none, and the host's agent records it.
TEST(HostAgent, APidRecordedWithoutItsStartTimeGetsItFromItsHost) {
  Core core;
  RpcClient c = core.d.Client();
  // A pid that is a live process on the core's machine, too: still not read.
  c.Ok("session.register", {{"id", "via-core"}, {"pid", getpid()}});
  EXPECT_EQ(core.Text("SELECT pid_start IS NULL FROM sessions WHERE id = 'via-core'"), "1");
  Child child;
  core.Session("h2-nostart", "h2", child.pid);
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  const auto start = SystemProcessProbe()->StartTime(child.pid);
  ASSERT_TRUE(start.has_value());
  EXPECT_TRUE(Eventually([&] {
    return core.Text("SELECT pid_start FROM sessions WHERE id = 'h2-nostart'") ==
           std::to_string(*start);
  }));
  EXPECT_EQ(core.Get("h2-nostart").at("status"), "active");
  EXPECT_EQ(core.Text("SELECT count(*) FROM changes WHERE key = 'h2-nostart' AND op = 'update'"),
            "0");  // not a change of the feed
}

TEST(HostAgent, ItsHostsBranchesAreReadAndReported) {
  Core core;
  const std::filesystem::path repo = core.d.dir().File("repo");
  std::filesystem::create_directories(repo / ".git");
  std::ofstream(repo / ".git" / "HEAD") << "ref: refs/heads/main\n";
  core.Session("h2-root", "h2", std::nullopt, std::nullopt, 600'000, repo.string());
  core.Session("h3-root", "h3", std::nullopt, std::nullopt, 600'000, repo.string());
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-root").at("branch") == "main"; }));
  std::ofstream(repo / ".git" / "HEAD") << "ref: refs/heads/dev\n";
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-root").at("branch") == "dev"; }));
  EXPECT_TRUE(core.Get("h3-root").at("branch").is_null());  // h3's root is another machine's
}

// team.stale lists the teams whose root lost its marker as their host's
// agent found; the core looks at no root itself.
TEST(HostAgent, ATeamRootOfItsHostThatLostItsMarkerIsReportedStale) {
  Core core;
  const std::filesystem::path root = core.d.dir().File("web");
  std::filesystem::create_directories(root);
  std::ofstream(root / "team-compose.yaml") << "x";
  core.d.Exec(
      "INSERT INTO teams (project_id, root, host, started_at, updated_at) VALUES "
      "('web', '" +
      root.string() +
      "', 'h2', 1, 1), "
      "('api', '/nonexistent/h3', 'h3', 1, 1), ('db', '/nonexistent/h1', 'h1', 1, 1)");
  RpcClient c = core.d.Client();
  EXPECT_EQ(c.Ok("team.stale").at("teams"), bj::array{});  // the core judges no root
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  ASSERT_TRUE(Eventually([&] { return agent.started(); }));
  std::this_thread::sleep_for(200ms);  // rounds: h2's root is live
  EXPECT_EQ(c.Ok("team.stale").at("teams"), bj::array{});
  std::filesystem::remove(root / "team-compose.yaml");
  ASSERT_TRUE(Eventually([&] { return c.Ok("team.stale").at("teams").as_array().size() == 1; }));
  bj::value stale = c.Ok("team.stale").at("teams").at(0);
  EXPECT_EQ(stale.at("project_id"), "web");
  EXPECT_EQ(stale.at("host"), "h2");
  // Not a change of the feed (team.stale is a look, not a row's change).
  EXPECT_EQ(core.Text("SELECT count(*) FROM changes WHERE entity = 'team' AND op = 'update'"), "0");
  // The marker back (under .team/): live again.
  std::filesystem::create_directories(root / ".team");
  std::ofstream(root / ".team" / "team-compose.yaml") << "x";
  EXPECT_TRUE(Eventually([&] { return c.Ok("team.stale").at("teams") == bj::array{}; }));
}

TEST(HostAgent, SurvivesTheDaemonStoppingAndStartingAgain) {
  Core core;
  ASSERT_EQ(core.d.Stop(), 0);
  core.Session("h2-ttl", "h2", std::nullopt);
  // The agent starts while nothing serves the socket: host.start is retried.
  cluster::HostAgent agent(AgentFor(core.d));
  agent.Start();
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(agent.started());
  const int64_t served = NowMs();
  core.d.Start();
  ASSERT_TRUE(Eventually([&] { return agent.started(); }));
  EXPECT_GE(core.Get("h2-ttl").at("grace_until").as_int64(), served + 600'000);

  // The daemon goes away under the agent, and a process of h2 dies meanwhile.
  ASSERT_EQ(core.d.Stop(), 0);
  core.Session("h2-dead", "h2", DeadPid());
  std::this_thread::sleep_for(500ms);  // its calls fail: several rounds
  const int64_t restarted = NowMs();
  core.d.Start();
  EXPECT_TRUE(Eventually([&] { return core.Get("h2-dead").at("status") == "stale"; }));
  EXPECT_TRUE(Eventually([&] {
    return std::stoll(core.Text("SELECT last_seen FROM hosts WHERE host = 'h2'")) >= restarted;
  }));
  // A stop in the middle of it all ends at once.
  const auto stopping = std::chrono::steady_clock::now();
  agent.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
}

// ---- the methods' bad input ----

// The error of a call that must fail with invalid_params; its message.
std::string Refused(RpcClient& c, const std::string& method, bj::object params) {
  bj::value r = c.Call(method, std::move(params));
  const bj::value* e = r.as_object().if_contains("error");
  if (!e) return "accepted: " + bj::serialize(r);
  EXPECT_EQ(e->at("data").at("reason"), "invalid_params") << bj::serialize(r);
  return std::string(e->at("message").as_string());
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(HostMethods, HostStartAndBeatRefuseABadHost) {
  Core core;
  RpcClient c = core.d.Client();
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"hostname", "x"}}), "params.host is required");
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"host", "h 2"}, {"hostname", "x"}}),
               "params.host must be 1 to 64 ASCII letters");
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"host", 2}, {"hostname", "x"}}),
               "params.host must be a string");
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"host", "h2"}}), "params.hostname is required");
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"host", "h2"}, {"hostname", std::string(256, 'x')}}),
               "params.hostname must be at most 255 bytes");
  EXPECT_PRED2(Has, Refused(c, "host.start", {{"host", "h2"}, {"hostname", "x"}, {"now", 1}}),
               "params.now is not a known field");
  EXPECT_PRED2(Has, Refused(c, "host.beat", {}), "params.host is required");
  EXPECT_PRED2(Has, Refused(c, "host.beat", {{"host", std::string(65, 'h')}}),
               "params.host must be 1 to 64");
  EXPECT_PRED2(Has, Refused(c, "host.sessions", {{"host", "h2"}}), "params.probe is required");
  EXPECT_PRED2(Has, Refused(c, "host.sessions", {{"host", "h2"}, {"probe", "tmux"}}),
               "params.probe must be \"pid\" or \"root\"");
  EXPECT_PRED2(Has, Refused(c, "host.sessions", {{"host", "h2"}, {"probe", "pid"}, {"limit", 0}}),
               "params.limit must be 1..10000");
  // Nothing was written.
  EXPECT_EQ(core.Text("SELECT count(*) FROM hosts"), "0");
  EXPECT_EQ(c.Ok("host.beat", {{"host", "h2"}}), bj::object{});
}

TEST(HostMethods, HostReportRefusesBadEntriesAndChangesNothing) {
  Core core;
  const pid_t dead = DeadPid();
  core.Session("h2-dead", "h2", dead);
  RpcClient c = core.d.Client();
  const bj::object good{{"id", "h2-dead"}, {"pid", dead}, {"pid_start", nullptr}};
  EXPECT_PRED2(Has, Refused(c, "host.report", {{"exited", bj::array{good}}}),
               "params.host is required");
  EXPECT_PRED2(Has, Refused(c, "host.report", {{"host", "h2"}, {"exited", good}}),
               "params.exited must be an array");
  EXPECT_PRED2(Has, Refused(c, "host.report", {{"host", "h2"}, {"exited", bj::array{good, 3}}}),
               "params.exited[1] must be an object");
  EXPECT_PRED2(
      Has, Refused(c, "host.report", {{"host", "h2"}, {"exited", bj::array{good, {{"id", "x"}}}}}),
      "params.exited[1].pid is required");
  EXPECT_PRED2(
      Has,
      Refused(c, "host.report", {{"host", "h2"}, {"exited", bj::array{{{"id", "x"}, {"pid", 0}}}}}),
      "pid must be positive");
  EXPECT_PRED2(Has,
               Refused(c, "host.report",
                       {{"host", "h2"},
                        {"exited", bj::array{{{"id", "x"}, {"pid", 5}, {"pid_start", "now"}}}}}),
               "params.exited[0].pid_start must be an integer");
  EXPECT_PRED2(
      Has,
      Refused(c, "host.report",
              {{"host", "h2"}, {"exited", bj::array{{{"id", "x"}, {"pid", 5}, {"host", "h3"}}}}}),
      "params.exited[0].host is not a known field");
  EXPECT_PRED2(Has,
               Refused(c, "host.report",
                       {{"host", "h2"}, {"branches", bj::array{{{"id", "x"}, {"to", "main"}}}}}),
               "params.branches[0].from is required");
  bj::array many(10'001, good);
  EXPECT_PRED2(Has, Refused(c, "host.report", {{"host", "h2"}, {"exited", many}}),
               "params.exited holds 10001 entries; at most 10000");
  // Every refused report left the session as it was; the good one marks it,
  // and for its own host only.
  EXPECT_EQ(core.Get("h2-dead").at("status"), "active");
  EXPECT_EQ(c.Ok("host.report", {{"host", "h3"}, {"exited", bj::array{good}}}),
            (bj::object{{"exited", 0}, {"started", 0}, {"branches", 0}, {"teams", 0}}));
  EXPECT_EQ(core.Get("h2-dead").at("status"), "active");
  EXPECT_EQ(c.Ok("host.report", {{"host", "h2"}, {"exited", bj::array{good}}}),
            (bj::object{{"exited", 1}, {"started", 0}, {"branches", 0}, {"teams", 0}}));
  EXPECT_EQ(core.Get("h2-dead").at("status_reason"), "process_exited");
}

}  // namespace
}  // namespace roster

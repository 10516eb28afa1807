// hosts_test.cc — per-machine facts stay per machine, through the real
// rosterd: every session, pause and team carries the host of the rosterd
// that registered it; a rosterd probes, expires, reaps and graces only its
// own host's sessions; another host's sessions are reported unreachable once
// its heartbeat is older than host_timeout_ms; `rosterctl ls` shows and
// filters hosts. Another host is played by rows written straight into the
// database (sqlite3), as its rosterd would have written them.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::DeadPid;
using testing::Ran;
using testing::RpcClient;
using testing::Sh;
namespace bj = boost::json;
using namespace std::chrono_literals;

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The database as a sqlite3 user (another host's rosterd) writes it.
struct Shell {
  explicit Shell(const std::string& path) : db(path, SQLite::OPEN_READWRITE) {
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("PRAGMA foreign_keys = ON");
  }
  // A live session of `host` (no pid: it lives by its TTL).
  void Session(const std::string& id, const std::string& host, std::optional<pid_t> pid,
               int64_t last_seen, int64_t ttl_ms) {
    SQLite::Statement q(db,
                        "INSERT INTO sessions (id, name, host, pid, created_at, updated_at, "
                        "last_seen, ttl_ms, expiry_check_at) VALUES (?1, ?1, ?2, ?3, ?4, ?4, ?4, "
                        "?5, ?4 + ?5)");
    q.bind(1, id);
    q.bind(2, host);
    if (pid) {
      q.bind(3, *pid);
    } else {
      q.bind(3);
    }
    q.bind(4, last_seen);
    q.bind(5, ttl_ms);
    q.exec();
  }
  void Heartbeat(const std::string& host, int64_t last_seen) {
    SQLite::Statement q(db,
                        "INSERT INTO hosts (host, hostname, started_at, last_seen) "
                        "VALUES (?1, 'box-' || ?1, ?2, ?2) ON CONFLICT (host) "
                        "DO UPDATE SET last_seen = ?2");
    q.bind(1, host);
    q.bind(2, last_seen);
    q.exec();
  }
  std::string Text(const std::string& sql) { return db.execAndGet(sql).getString(); }
  SQLite::Database db;
};

// Polls `get` until `done` holds or 10 s pass; returns the last answer.
bj::value WaitFor(RpcClient& c, const std::string& session,
                  const std::function<bool(const bj::value&)>& done) {
  bj::value s;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    s = c.Ok("session.get", {{"session", session}});
    if (done(s)) break;
  }
  return s;
}

bool IsStale(const bj::value& s) { return s.at("status") == "stale"; }

TEST(Hosts, DefaultHostComesFromTheMachineIdAndStaysAcrossRestarts) {
  std::ifstream machine_id("/etc/machine-id");
  ASSERT_TRUE(machine_id.good()) << "this test needs the machine id systemd keeps";
  Daemon d;
  d.Start();
  std::string first(d.Client().Ok("status").at("host").as_string());
  EXPECT_TRUE(std::regex_match(first, std::regex("[0-9a-f]{12}"))) << first;
  std::string id;
  machine_id >> id;
  EXPECT_EQ(id.find(first), std::string::npos) << "the machine id itself is not shown";
  ASSERT_EQ(d.Stop(), 0);
  d.Start();
  EXPECT_EQ(d.Client().Ok("status").at("host"), bj::value(first));
  EXPECT_NE(d.Log().find("host " + first), std::string::npos) << d.Log();
}

TEST(Hosts, HostIsSetByFlagOrConfigAndABadOneIsRefusedBeforeAnythingIsTouched) {
  {
    Daemon d({"--host", "devbox-1.lab_a"});
    d.Start();
    EXPECT_EQ(d.Client().Ok("status").at("host"), "devbox-1.lab_a");
  }
  {
    Daemon d;
    d.Config({{"host", "from-config"}});
    d.Start();
    EXPECT_EQ(d.Client().Ok("status").at("host"), "from-config");
  }
  for (const std::string& bad :
       std::vector<std::string>{"two words", "", std::string(65, 'x'), "tab\there", "ü"}) {
    Daemon d({"--host", bad});
    EXPECT_EQ(d.RunToExit(), 2) << bad;
    EXPECT_NE(d.Log().find("--host"), std::string::npos) << d.Log();
    EXPECT_NE(d.Log().find("ASCII letters, digits"), std::string::npos) << d.Log();
    EXPECT_FALSE(std::filesystem::exists(d.db())) << bad;
  }
  Daemon d;
  d.Config({{"host_timeout_ms", 999}});
  EXPECT_EQ(d.RunToExit(), 2);
  EXPECT_NE(d.Log().find("host_timeout_ms is 999"), std::string::npos) << d.Log();
}

TEST(Hosts, SessionsPausesAndTeamsCarryTheHostOfTheDaemonThatRegisteredThem) {
  Daemon d({"--host", "alpha"});
  d.Start();
  RpcClient c = d.Client();
  bj::value s = c.Ok("session.register", {{"name", "agent"}, {"root", "/src/app"}});
  EXPECT_EQ(s.at("host"), "alpha");
  EXPECT_EQ(s.at("unreachable"), false);
  c.Ok("session.pause", {{"session", "agent"}, {"note", "lunch"}});
  EXPECT_EQ(c.Ok("session.pauses", {{"session", "agent"}}).at("pauses").at(0).at("host"), "alpha");
  EXPECT_EQ(
      c.Ok("team.up", {{"project_id", "web"}, {"root", "/src/app"}, {"agents", bj::array{"dev"}}})
          .at("host"),
      "alpha");
  EXPECT_EQ(c.Ok("team.list").at("teams").at(0).at("host"), "alpha");
  // The feed's row JSON carries it, for every entity that has one.
  RpcClient w = d.Client();
  w.Ok("watch", {{"since", 0}});
  std::set<std::string> with_host;
  for (bj::value n = w.Next(2000); !n.is_null(); n = w.Next(300)) {
    const auto& data = n.at("params").at("data").as_object();
    if (data.contains("host") && data.at("host") == "alpha") {
      with_host.insert(std::string(n.at("params").at("entity").as_string()));
    }
  }
  EXPECT_EQ(with_host, (std::set<std::string>{"session", "pause", "team"}));
  Shell sh(d.db());
  EXPECT_EQ(sh.Text("SELECT host FROM sessions_view"), "alpha");
  EXPECT_EQ(sh.Text("SELECT host FROM team_roster"), "alpha");
  char hostname[256] = {};
  ASSERT_EQ(gethostname(hostname, sizeof hostname - 1), 0);
  EXPECT_EQ(sh.Text("SELECT hostname FROM hosts WHERE host = 'alpha'"), hostname);
}

// A session registered again through this host's rosterd (its agent resumed
// here) moves here; what was the other machine's and the register does not
// name again is dropped.
TEST(Hosts, ARegisterHereMovesAnotherHostsSessionAndDropsItsMachineFacts) {
  Daemon d({"--host", "alpha"});
  d.Start();
  {
    Shell sh(d.db());
    sh.Session("moving", "beta", 4242, NowMs(), 600'000);
    sh.db.exec(
        "UPDATE sessions SET tmux_session = 'tb', tmux_pane = '%9', tmux_socket = '/b', "
        "pid_start = 77 WHERE id = 'moving'");
  }
  RpcClient c = d.Client();
  bj::value s = c.Ok("session.register", {{"id", "moving"}, {"ttl_ms", 30'000}});
  EXPECT_EQ(s.at("host"), "alpha");
  for (const char* gone : {"pid", "tmux_session", "tmux_pane", "tmux_socket"}) {
    EXPECT_TRUE(s.at(gone).is_null()) << gone << " " << s;
  }
  EXPECT_EQ(Shell(d.db()).Text("SELECT coalesce(pid_start, 'null') FROM sessions"), "null");
  // One that comes with its own pid keeps it.
  Shell(d.db()).db.exec("UPDATE sessions SET host = 'beta' WHERE id = 'moving'");
  s = c.Ok("session.register", {{"id", "moving"}, {"pid", getpid()}});
  EXPECT_EQ(s.at("host"), "alpha");
  EXPECT_EQ(s.at("pid"), getpid());
}

// A register or team.up that names its host (a cluster member's front
// names its own) records the row there, however this rosterd is called: its
// pid's start and its root's branch are not read here, `ls --host` finds it,
// its team roots are not looked at, and a register from yet another host
// moves it as a register here would.
TEST(Hosts, ARegisterOrTeamUpNamingItsHostIsRecordedOnThatHost) {
  Daemon d({"--host", "alpha"});
  d.Start();
  RpcClient c = d.Client();
  const std::filesystem::path repo = d.dir().File("repo");
  std::filesystem::create_directories(repo / ".git");
  std::ofstream(repo / ".git" / "HEAD") << "ref: refs/heads/main\n";
  bj::value s = c.Ok("session.register", {{"id", "remote"},
                                          {"host", "h2"},
                                          {"pid", getpid()},
                                          {"tmux_pane", "%5"},
                                          {"tmux_socket", "/tmp/b"},
                                          {"root", repo.string()}});
  EXPECT_EQ(s.at("host"), "h2");
  EXPECT_EQ(s.at("pid"), getpid());
  EXPECT_TRUE(s.at("branch").is_null()) << s;  // h2's root is another directory
  // Here, the same register reads both.
  bj::value here =
      c.Ok("session.register", {{"id", "here"}, {"pid", getpid()}, {"root", repo.string()}});
  EXPECT_EQ(here.at("host"), "alpha");
  EXPECT_EQ(here.at("branch"), "main");
  EXPECT_EQ(
      Shell(d.db()).Text("SELECT coalesce(pid_start, 'null') FROM sessions WHERE id = 'remote'"),
      "null");
  EXPECT_NE(
      Shell(d.db()).Text("SELECT coalesce(pid_start, 'null') FROM sessions WHERE id = 'here'"),
      "null");

  const std::string ctl = testing::kRosterctl;
  Ran h2 = Sh(d, ctl + " --json ls --host h2");
  ASSERT_EQ(h2.code, 0) << h2.err;
  bj::value rows = bj::parse(h2.out).at("sessions");
  ASSERT_EQ(rows.as_array().size(), 1u) << h2.out;
  EXPECT_EQ(rows.at(0).at("id"), "remote");

  // Re-registered from h3: it moves there, h2's pid and pane are dropped.
  s = c.Ok("session.register", {{"id", "remote"}, {"host", "h3"}});
  EXPECT_EQ(s.at("host"), "h3");
  for (const char* gone : {"pid", "tmux_pane", "tmux_socket"}) {
    EXPECT_TRUE(s.at(gone).is_null()) << gone << " " << s;
  }
  // Re-registered from h3 again with its pid: kept, its start not read here.
  s = c.Ok("session.register", {{"id", "remote"}, {"host", "h3"}, {"pid", getpid()}});
  EXPECT_EQ(s.at("pid"), getpid());
  EXPECT_EQ(
      Shell(d.db()).Text("SELECT coalesce(pid_start, 'null') FROM sessions WHERE id = 'remote'"),
      "null");
  // A session.update's pid is the session's host's, too.
  c.Ok("session.update", {{"session", "remote"}, {"pid", getpid()}});
  EXPECT_EQ(
      Shell(d.db()).Text("SELECT coalesce(pid_start, 'null') FROM sessions WHERE id = 'remote'"),
      "null");

  // Teams: h2's roots are not looked at here, so a live marker at one of
  // them is no conflict for h2, nor for alpha.
  const std::filesystem::path live = d.dir().File("live");
  std::filesystem::create_directories(live);
  std::ofstream(live / "team-compose.yaml") << "x";
  bj::value t = c.Ok("team.up", {{"project_id", "web"},
                                 {"root", live.string()},
                                 {"agents", bj::array{"dev"}},
                                 {"host", "h2"}});
  EXPECT_EQ(t.at("host"), "h2");
  EXPECT_EQ(c.Reason("team.up", {{"project_id", "web"},
                                 {"root", "/nonexistent/h2"},
                                 {"agents", bj::array{"dev"}},
                                 {"host", "h2"}}),
            "");
  EXPECT_EQ(c.Reason("team.up", {{"project_id", "web"},
                                 {"root", "/nonexistent/alpha"},
                                 {"agents", bj::array{"dev"}}}),
            "");
  EXPECT_EQ(Shell(d.db()).Text("SELECT group_concat(root || '@' || host, ' ') FROM (SELECT * FROM "
                               "teams ORDER BY root)"),
            "/nonexistent/alpha@alpha /nonexistent/h2@h2 " + live.string() + "@h2");

  // A bad host is refused as --host refuses it, and nothing is written.
  bj::value bad = c.Call("session.register", {{"id", "bad"}, {"host", "two words"}});
  EXPECT_EQ(bad.at("error").at("data").at("reason"), "invalid_params") << bad;
  EXPECT_NE(std::string(bad.at("error").at("message").as_string())
                .find("params.host must be 1 to 64 ASCII letters"),
            std::string::npos)
      << bad;
  EXPECT_EQ(c.Reason("session.get", {{"session", "bad"}}), "not_found");
  EXPECT_EQ(
      c.Reason("team.up",
               {{"project_id", "api"}, {"root", "/r"}, {"agents", bj::array{"dev"}}, {"host", 7}}),
      "invalid_params");
  EXPECT_EQ(c.Reason("team.up", {{"project_id", "api"},
                                 {"root", "/r"},
                                 {"agents", bj::array{"dev"}},
                                 {"host", std::string(65, 'x')}}),
            "invalid_params");
}

// The simplest honest test of "another host's sessions are not probed": a
// session of host beta with a dead pid, and one past its TTL, stay active
// under alpha's rosterd while alpha's own twins are judged; reap takes
// alpha's dead one and leaves beta's.
TEST(Hosts, AnotherHostsSessionsAreNeitherProbedNorExpiredNorReaped) {
  Daemon d({"--host", "alpha"});
  d.Config({{"cleanup_interval_ms", 50}});
  d.Start();
  const pid_t dead = DeadPid();
  const int64_t now = NowMs();
  {
    Shell sh(d.db());
    sh.Heartbeat("beta", now + 600'000);  // beta's rosterd runs: reachable all along
    sh.Session("beta-pid", "beta", dead, now, 600'000);
    sh.Session("beta-ttl", "beta", std::nullopt, now - 60'000, 1000);
    sh.Session("alpha-pid", "alpha", dead, now, 600'000);
    sh.Session("alpha-ttl", "alpha", std::nullopt, now - 60'000, 1000);
  }
  RpcClient c = d.Client();
  EXPECT_EQ(WaitFor(c, "alpha-pid", IsStale).at("status_reason"), "process_exited");
  EXPECT_EQ(WaitFor(c, "alpha-ttl", IsStale).at("status_reason"), "ttl");
  std::this_thread::sleep_for(300ms);  // several more rounds
  for (const char* beta : {"beta-pid", "beta-ttl"}) {
    bj::value s = c.Ok("session.get", {{"session", beta}});
    EXPECT_EQ(s.at("status"), "active") << beta;
    EXPECT_EQ(s.at("unreachable"), false) << beta;
  }
  bj::value reaped = c.Ok("session.reap");
  EXPECT_EQ(reaped.at("sessions"), (bj::array{"alpha-pid"}));
  EXPECT_EQ(c.Reason("session.get", {{"session", "beta-pid"}}), "");
  // A stopped session needs no probe: reap takes it whatever its host.
  Shell(d.db()).db.exec("UPDATE sessions SET status = 'stopped' WHERE id = 'beta-ttl'");
  EXPECT_EQ(c.Ok("session.reap").at("sessions"), (bj::array{"beta-ttl"}));
}

TEST(Hosts, TeamRootsAreCheckedOnlyOnTheirOwnHost) {
  Daemon d({"--host", "alpha"});
  d.Start();
  RpcClient c = d.Client();
  // A path that holds a compose marker here, but is beta's team root: on
  // beta it is another directory.
  const std::filesystem::path beta_root = d.dir().File("beta-web");
  std::filesystem::create_directories(beta_root);
  std::ofstream(beta_root / "team-compose.yaml") << "x";
  c.Ok("team.up",
       {{"project_id", "web"}, {"root", "/nonexistent/alpha"}, {"agents", bj::array{"dev"}}});
  {
    Shell sh(d.db());
    SQLite::Statement q(
        sh.db,
        "INSERT INTO teams (project_id, root, host, started_at, updated_at) "
        "VALUES ('api', '/nonexistent/beta', 'beta', 1, 1), ('web', ?1, 'beta', 1, 1)");
    q.bind(1, beta_root.string());
    q.exec();
  }
  // Neither alpha's nor beta's /nonexistent root holds a marker here; only
  // alpha's can be judged.
  bj::value stale = c.Ok("team.stale").at("teams");
  ASSERT_EQ(stale.as_array().size(), 1u) << stale;
  EXPECT_EQ(stale.at(0).at("root"), "/nonexistent/alpha");
  // web is up at beta's root, which says nothing about this machine: alpha
  // may bring web up at a live root of its own.
  const std::filesystem::path root = d.dir().File("alpha-web");
  std::filesystem::create_directories(root);
  std::ofstream(root / "team-compose.yaml") << "x";
  EXPECT_EQ(
      c.Reason("team.up",
               {{"project_id", "web"}, {"root", root.string()}, {"agents", bj::array{"dev"}}}),
      "");
  // ... while alpha's own live root of a project still conflicts.
  EXPECT_EQ(c.Reason("team.up", {{"project_id", "web"},
                                 {"root", "/nonexistent/alpha2"},
                                 {"agents", bj::array{"dev"}}}),
            "conflict");
}

TEST(Hosts, RestartGraceGoesOnlyToThisHostsSessions) {
  Daemon d({"--host", "alpha"});
  d.Start();
  {
    Shell sh(d.db());
    sh.Session("alpha-1", "alpha", std::nullopt, NowMs() - 5000, 60'000);
    sh.Session("beta-1", "beta", std::nullopt, NowMs() - 5000, 60'000);
  }
  ASSERT_EQ(d.Stop(), 0);
  const int64_t restarted = NowMs();
  d.Start();
  RpcClient c = d.Client();
  EXPECT_GE(c.Ok("session.get", {{"session", "alpha-1"}}).at("grace_until").as_int64(),
            restarted + 60'000);
  EXPECT_TRUE(c.Ok("session.get", {{"session", "beta-1"}}).at("grace_until").is_null());
  EXPECT_NE(d.Log().find("restart grace: 1 live sessions of host alpha"), std::string::npos)
      << d.Log();
}

// A host whose heartbeat is older than host_timeout_ms is unreachable: its
// sessions say so (and are still not judged), the local host never is.
TEST(Hosts, SessionsOfAHostWhoseHeartbeatAgedAreUnreachableNotStale) {
  Daemon d({"--host", "alpha"});
  d.Config({{"cleanup_interval_ms", 50}, {"host_timeout_ms", 1000}});
  d.Start();
  const int64_t beat = NowMs();
  {
    Shell sh(d.db());
    sh.Heartbeat("beta", beat);
    sh.Session("beta-1", "beta", std::nullopt, beat, 500);
    sh.Session("gamma-1", "gamma", std::nullopt, beat, 600'000);  // a host never seen
  }
  RpcClient c = d.Client();
  EXPECT_EQ(c.Ok("session.get", {{"session", "beta-1"}}).at("unreachable"), false);
  EXPECT_EQ(c.Ok("session.get", {{"session", "gamma-1"}}).at("unreachable"), true);
  // beta's heartbeat ages past the timeout.
  std::this_thread::sleep_for(std::chrono::milliseconds(beat + 1100 - NowMs()));
  bj::value s = c.Ok("session.get", {{"session", "beta-1"}});
  EXPECT_EQ(s.at("unreachable"), true);
  EXPECT_EQ(s.at("status"), "active");  // long past its TTL, but beta's to judge
  bj::value listed = c.Ok("session.list").at("sessions");
  for (const auto& row : listed.as_array()) EXPECT_EQ(row.at("unreachable"), true) << row;
  bj::value hosts = c.Ok("status").at("hosts");
  std::map<std::string, bool> unreachable;
  for (const auto& h : hosts.as_array()) {
    unreachable[std::string(h.at("host").as_string())] = h.at("unreachable").as_bool();
  }
  // gamma never wrote a heartbeat: its sessions say so, status lists rosterds.
  EXPECT_EQ(unreachable, (std::map<std::string, bool>{{"alpha", false}, {"beta", true}}));
  // beta comes back: reachable again.
  Shell(d.db()).Heartbeat("beta", NowMs());
  EXPECT_EQ(c.Ok("session.get", {{"session", "beta-1"}}).at("unreachable"), false);
  // The local host never is, whatever its row says.
  Shell(d.db()).db.exec("UPDATE hosts SET last_seen = 0 WHERE host = 'alpha'");
  bj::value mine = c.Ok("session.register", {{"name", "mine"}});
  EXPECT_EQ(mine.at("unreachable"), false);
}

TEST(Hosts, ThisHostsHeartbeatIsWrittenEveryQuarterOfTheTimeout) {
  Daemon d({"--host", "alpha"});
  d.Config({{"host_timeout_ms", 1000}});
  const int64_t before = NowMs();
  d.Start();
  Shell sh(d.db());
  const int64_t started = std::stoll(sh.Text("SELECT started_at FROM hosts WHERE host = 'alpha'"));
  EXPECT_GE(started, before);
  int64_t seen = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    seen = std::stoll(sh.Text("SELECT last_seen FROM hosts WHERE host = 'alpha'"));
    if (seen >= started + 500) break;  // two beats of 250 ms
  }
  EXPECT_GE(seen, started + 500);
  // Not a change in the feed.
  EXPECT_EQ(sh.Text("SELECT count(*) FROM changes"), "0");
}

TEST(Hosts, LsShowsTheHostColumnOnlyWhenSeveralHostsAndFiltersByHost) {
  Daemon d({"--host", "alpha"});
  d.Start();
  const std::string ctl = testing::kRosterctl;
  ASSERT_EQ(Sh(d, ctl + " session register --name a1 --root /r").code, 0);
  Ran one = Sh(d, ctl + " ls");
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out.find("HOST"), std::string::npos) << one.out;
  {
    Shell sh(d.db());
    sh.Heartbeat("beta", NowMs() + 600'000);
    sh.Session("b1", "beta", std::nullopt, NowMs(), 600'000);
    sh.Session("c1", "gamma", std::nullopt, NowMs(), 600'000);  // never seen: unreachable
  }
  Ran two = Sh(d, ctl + " ls");
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_NE(two.out.find("HOST"), std::string::npos) << two.out;
  EXPECT_TRUE(std::regex_search(two.out, std::regex("\nactive +a1 +alpha ")));
  EXPECT_TRUE(std::regex_search(two.out, std::regex("\nactive +b1 +beta ")));
  EXPECT_TRUE(std::regex_search(two.out, std::regex("\nunreachable +c1 +gamma ")));
  EXPECT_NE(two.out.find("host gamma unreachable; was active"), std::string::npos) << two.out;
  Ran beta = Sh(d, ctl + " --json ls --host beta");
  ASSERT_EQ(beta.code, 0) << beta.err;
  bj::value rows = bj::parse(beta.out).at("sessions");
  ASSERT_EQ(rows.as_array().size(), 1u) << beta.out;
  EXPECT_EQ(rows.at(0).at("name"), "b1");
  EXPECT_EQ(rows.at(0).at("host"), "beta");
  Ran got = Sh(d, ctl + " session get b1");
  EXPECT_NE(got.out.find("\nhost: beta\n"), std::string::npos) << got.out;
  EXPECT_EQ(Sh(d, ctl + " ls --host nowhere").out.find("b1"), std::string::npos);
  RpcClient c = d.Client();
  EXPECT_EQ(c.Reason("session.list", {{"host", 7}}), "invalid_params");
  EXPECT_EQ(c.Reason("session.list", {{"host", ""}}), "invalid_params");
}

// A pane of another host is some other terminal here: nothing is typed into
// or read from it, and a pause takes its summary from the log instead.
TEST(Hosts, AnotherHostsPaneIsNeverTypedIntoOrRead) {
  Daemon d({"--host", "alpha"});
  d.Start();
  {
    Shell sh(d.db());
    sh.Heartbeat("beta", NowMs() + 600'000);
    sh.Session("b1", "beta", std::nullopt, NowMs(), 600'000);
    sh.db.exec("UPDATE sessions SET tmux_pane = '%0' WHERE id = 'b1'");
  }
  RpcClient c = d.Client();
  c.Ok("log.append", {{"session", "b1"}, {"kind", "note"}, {"body", "on beta"}});
  bj::value sent = c.Call("session.send", {{"session", "b1"}, {"text", "hello"}});
  ASSERT_TRUE(sent.as_object().contains("error")) << sent;
  EXPECT_EQ(sent.at("error").at("data").at("reason"), "unavailable");
  EXPECT_EQ(sent.at("error").at("data").at("cause"), "other_host");
  EXPECT_EQ(sent.at("error").at("data").at("host"), "beta");
  EXPECT_EQ(c.Reason("session.output", {{"session", "b1"}}), "unavailable");
  bj::value paused = c.Ok("session.pause", {{"session", "b1"}});
  EXPECT_NE(std::string(paused.at("summary").as_string()).find("on beta"), std::string::npos)
      << paused;
  c.Ok("session.resume", {{"session", "b1"}});
  Ran say = Sh(d, testing::kRosterctl + " resume b1 --say hi");
  EXPECT_EQ(say.code, 5) << say.err;
  EXPECT_NE(say.err.find("runs on host beta"), std::string::npos) << say.err;
  EXPECT_EQ(c.Ok("session.get", {{"session", "b1"}}).at("status"), "active");  // not resumed
}

// Rows without a host — from before schema 8, or inserted by a sqlite3 user
// without one — become the host's of the rosterd that finds them: at start
// (before the grace) and at its next cleanup round.
TEST(Hosts, RowsWithoutAHostAreClaimedAtStartAndByTheNextCleanupRound) {
  Daemon d({"--host", "alpha"});
  d.Config({{"cleanup_interval_ms", 50}});
  {
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    std::set<std::filesystem::path> files;  // in order
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(ROSTER_SOURCE_DIR) + "/migrations")) {
      if (entry.path().filename().string() < "0008") files.insert(entry.path());  // before hosts
    }
    for (const auto& file : files) {
      std::ifstream in(file);
      std::stringstream sql;
      sql << in.rdbuf();
      db.exec(sql.str());
    }
    db.exec("PRAGMA user_version = 7");
    db.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('old', 'old', 1, 1, 1, 60000)");
    db.exec("INSERT INTO pauses (session_id, paused_at, summary) VALUES ('old', 1, 'x')");
    db.exec(
        "INSERT INTO teams (project_id, root, started_at, updated_at) VALUES ('p', '/r', 1, 1)");
  }
  d.Start();
  RpcClient c = d.Client();
  bj::value old = c.Ok("session.get", {{"session", "old"}});
  EXPECT_EQ(old.at("host"), "alpha");
  EXPECT_FALSE(old.at("grace_until").is_null());  // claimed before the grace
  EXPECT_EQ(c.Ok("team.list").at("teams").at(0).at("host"), "alpha");
  Shell sh(d.db());
  EXPECT_EQ(sh.Text("SELECT group_concat(host) FROM pauses"), "alpha");
  EXPECT_NE(d.Log().find("claimed 1 sessions"), std::string::npos) << d.Log();
  // A claim is a change: watchers learn the row's host.
  EXPECT_EQ(sh.Text("SELECT count(*) FROM changes WHERE entity = 'session' AND op = 'update' "
                    "AND json_extract(data, '$.host') = 'alpha'"),
            "1");
  // A sqlite3 user's row without a host, while alpha runs, past its TTL: the
  // next round claims and sweeps it.
  sh.db.exec(
      "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
      "VALUES ('shell', 'shell', 1, 1, 1, 10)");
  bj::value s = WaitFor(c, "shell", IsStale);
  EXPECT_EQ(s.at("status_reason"), "ttl");
  EXPECT_EQ(s.at("host"), "alpha");
}

}  // namespace
}  // namespace roster

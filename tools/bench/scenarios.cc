// scenarios.cc — the roster-bench scenarios: fleet, logs, fanout, scale,
// expiry and cli (see docs/performance.md for what each measures).
#include "scenarios.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <optional>

#include "common.h"
#include "store/connection.h"
#include "store/dqlite/client.h"
#include "store/dqlite_engine.h"
#include "top_proc.h"

namespace roster::bench {

// The status of the watch that `rosterctl top` holds (the one watch with an
// entity filter), if there is one.
static std::optional<json::object> TopWatch(const std::string& socket) {
  boost::system::error_code ec;
  json::value v =
      json::parse(CallOnce(socket, R"({"jsonrpc":"2.0","id":0,"method":"status"})", nullptr), ec);
  const json::value* subs = ec ? nullptr : v.find_pointer("/result/subscribers", ec);
  if (!subs || !subs->is_array()) return std::nullopt;
  for (const auto& s : subs->as_array()) {
    if (s.is_object() && s.as_object().contains("entities")) return s.as_object();
  }
  return std::nullopt;
}

int Fleet(Options& o, int depth) {
  Daemon d(o, {});
  d.Start();
  std::optional<TopProcess> top;
  if (o.top) {  // attached before the sessions exist, as an operator's console would be
    top.emplace(o, d.socket(), static_cast<int>(o.top_rows));
    auto live = [&] {
      auto t = TopWatch(d.socket());
      return t && t->at("mode") == "live";
    };
    for (int i = 0; i < 1000 && !live(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!live()) {
      std::cerr << "rosterctl top did not start watching\n";
      return 1;
    }
  }
  Watcher w(d.socket(), {});
  LoadResult reg = Register(d.socket(), o.sessions, 30'000);
  const int64_t sessions = o.sessions;
  const auto cpu0 = d.ThreadCpuUs();
  const double top0 = top ? top->CpuUs() : 0;
  LoadResult hb = RunLoad(d.socket(), static_cast<int>(o.conns), depth, o.ops,
                          [sessions](int64_t i) { return FleetHeartbeat(i, sessions); });
  const int64_t expected = o.sessions + (o.ops + 9) / 10;
  const auto cpu1 = d.ThreadCpuUs();
  const double top1 = top ? top->CpuUs() : 0;
  int64_t delivered = w.WaitFor(expected, 30'000);
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"sessions", o.sessions},
                 {"heartbeats", o.ops},
                 {"connections", o.conns},
                 {"depth", depth},
                 {"registrations_per_s", static_cast<double>(reg.ok) / reg.seconds},
                 {"heartbeats_per_s", static_cast<double>(hb.ok) / hb.seconds},
                 {"errors", reg.errors + hb.errors}};
  AddLatency(r, "latency", hb.latency_us);
  r["events_expected"] = expected;
  r["events_delivered"] = delivered;
  auto delays = w.TakeDelays();
  AddLatency(r, "delivery", delays);
  AddCpu(r, cpu0, cpu1, hb.ok);
  r["rss_kib"] = d.RssKiB();
  d.AddStoreBytes(r);
  if (hb.errors) r["first_error"] = hb.first_error;
  bool top_ok = true;
  if (top) {
    top_ok = top->Running();
    json::object t{
        {"table_rows", o.top_rows - 3},
        {"cpu_us_per_op", (top1 - top0) / static_cast<double>(std::max<int64_t>(hb.ok, 1))},
        {"cpu_share", (top1 - top0) / (hb.seconds * 1e6)},
        {"terminal_bytes", top->bytes()},
        {"running", top_ok}};
    if (auto watch = TopWatch(d.socket())) t["events_delivered"] = watch->at("delivered");
    r["top"] = std::move(t);
  }
  Report(o, r);
  return delivered == expected && r["errors"].as_int64() == 0 && top_ok ? 0 : 1;
}

int Logs(Options& o) {
  Daemon d(o, {});
  d.Start();
  Register(d.socket(), 4, 600'000);
  Watcher w(d.socket(), {{"entities", json::array{"log"}}, {"session", "s0"}});
  const std::string filler(static_cast<size_t>(std::max<int64_t>(o.body_bytes - 40, 0)), 'x');
  const auto cpu0 = d.ThreadCpuUs();
  LoadResult r0 = RunLoad(d.socket(), static_cast<int>(o.conns), static_cast<int>(o.depth), o.ops,
                          [&filler](int64_t i) {
                            return Req(i, "log.append",
                                       {{"session", "s" + std::to_string(i % 4)},
                                        {"kind", "bench"},
                                        {"body", {{"t_us", NowUs()}, {"text", filler}}}});
                          });
  const auto cpu1 = d.ThreadCpuUs();
  const int64_t expected = (o.ops + 3) / 4;
  int64_t delivered = w.WaitFor(expected, 30'000);
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"appends", o.ops},
                 {"depth", o.depth},
                 {"appends_per_s", static_cast<double>(r0.ok) / r0.seconds},
                 {"errors", r0.errors},
                 {"events_expected", expected},
                 {"events_delivered", delivered}};
  AddLatency(r, "latency", r0.latency_us);
  auto delays = w.TakeDelays();
  AddLatency(r, "delivery", delays);
  AddCpu(r, cpu0, cpu1, r0.ok);
  r["rss_kib"] = d.RssKiB();
  d.AddStoreBytes(r);
  Report(o, r);
  return delivered == expected && r0.errors == 0 ? 0 : 1;
}

int Fanout(Options& o) {
  Daemon d(o, {});
  d.Start();
  Register(d.socket(), 100, 600'000);
  Watcher ws(d.socket(), json::object{{"entities", json::array{"session"}}},
             static_cast<int>(o.watchers));
  auto change = [](int64_t i) {
    return Req(i, "session.heartbeat",
               {{"session", "s" + std::to_string(i % 100)}, {"meta", {{"t_us", NowUs()}}}});
  };
  const auto cpu0 = d.ThreadCpuUs();
  LoadResult r0 = o.rate > 0 ? RunPaced(d.socket(), o.rate, o.ops, change)
                             : RunLoad(d.socket(), static_cast<int>(o.conns),
                                       static_cast<int>(o.depth), o.ops, change);
  const int64_t delivered = ws.WaitFor(o.watchers * o.ops, 60'000);
  const auto cpu1 = d.ThreadCpuUs();  // after the deliveries, which are most of the work
  std::vector<double> delays = ws.TakeDelays();
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"watchers", o.watchers},
                 {"rate", o.rate},
                 {"changes", o.ops},
                 {"changes_per_s", static_cast<double>(r0.ok) / r0.seconds},
                 {"events_expected", o.watchers * o.ops},
                 {"events_delivered", delivered}};
  AddLatency(r, "delivery", delays);
  AddCpu(r, cpu0, cpu1, r0.ok);
  r["rss_kib"] = d.RssKiB();
  Report(o, r);
  return delivered == o.watchers * o.ops ? 0 : 1;
}

// The seed's rows, set-based (the triggers still write their feed rows):
// `sessions` sessions, then log entries `from` .. `to` - 1 spread over them.
static std::string SeedSessionsSql(int64_t sessions, int64_t now) {
  const std::string n = std::to_string(sessions), t = std::to_string(now);
  return "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < " + n +
         ") "
         "INSERT INTO sessions (id, name, root, created_at, updated_at, last_seen, ttl_ms, meta, "
         "host) SELECT 's' || i, 's' || i, '/bench', " +
         t + ", " + t + ", " + t + ", 3600000, '{\"model\":\"bench\"}', '" + kBenchHost +
         "' FROM c;";
}
static std::string SeedLogsSql(int64_t sessions, int64_t from, int64_t to, int64_t now) {
  const std::string n = std::to_string(sessions);
  return "WITH RECURSIVE c(i) AS (SELECT " + std::to_string(from) +
         " UNION ALL SELECT i + 1 FROM c WHERE i + 1 < " + std::to_string(to) +
         ") "
         "INSERT INTO log_entries (session_id, seq, epoch, ts, kind, body) "
         "SELECT 's' || (i % " +
         n + "), i / " + n + " + 1, 1, " + std::to_string(now) +
         ", 'seed', '{\"text\":\"' || hex(randomblob(50)) || '\"}' FROM c;";
}

// Fills the database file in-process: the schema through the store layer,
// the rows in one transaction through the sqlite3 shell.
static void Seed(const std::string& db, int64_t sessions, int64_t entries) {
  {
    auto conn = store::Connection::Open({.path = db, .sync = store::SyncMode::kNormal});
    if (!conn.ok()) throw std::runtime_error(conn.status().ToString());
  }
  const int64_t now = NowUs() / 1000;
  const std::string sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN;" +
                          SeedSessionsSql(sessions, now) + SeedLogsSql(sessions, 0, entries, now) +
                          "COMMIT;";
  const std::string file = db + ".seed.sql";
  std::ofstream(file) << sql;
  std::string cmd = "sqlite3 " + db + " < " + file + " >/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("seeding failed");
  fs::remove(file);
}

// The same rows through the node's wire protocol, in transactions of at most
// 20,000 log entries (one transaction is one Raft entry, held in memory).
static void SeedDqlite(const std::string& cluster, int64_t sessions, int64_t entries) {
  store::dqlite::ClientOptions co;
  co.nodes = {cluster};
  co.database = store::kDqliteDatabaseName;
  co.call_timeout = std::chrono::seconds(60);
  store::dqlite::Client client(co);
  auto fail = [](const store::dqlite::Error& e) {
    throw std::runtime_error("seeding failed: " + e.ToString());
  };
  if (auto c = client.Connect(); !c.ok()) fail(c.error());
  const int64_t now = NowUs() / 1000;
  if (auto r = client.ExecSql(SeedSessionsSql(sessions, now)); !r.ok()) fail(r.error());
  constexpr int64_t kChunk = 20'000;
  for (int64_t from = 0; from < entries; from += kChunk) {
    auto r = client.ExecSql(SeedLogsSql(sessions, from, std::min(entries, from + kChunk), now));
    if (!r.ok()) fail(r.error());
  }
}

int Scale(Options& o) {
  if (!o.socket.empty()) {
    std::cerr << "roster-bench: scale restarts the daemon; it cannot use --socket\n";
    return 2;
  }
  Daemon d(o, {});
  auto t0 = Clock::now();
  if (d.dqlite()) {
    d.Start();  // the node lives in rosterd: seeded through it, then restarted
    SeedDqlite(d.cluster(), o.sessions, o.entries);
    d.Stop();
  } else {
    Seed(d.db(), o.sessions, o.entries);
  }
  double seed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  double cold = d.Start();
  d.Stop();
  double warm = d.Start();
  double list_ms = 0, status_ms = 0;
  const std::string list_req = R"({"jsonrpc":"2.0","id":1,"method":"session.list"})";
  std::string list = CallOnce(d.socket(), list_req, &list_ms);  // the first after a restart
  std::vector<double> again;
  for (int i = 0; i < 5; ++i) CallOnce(d.socket(), list_req, &again.emplace_back());
  CallOnce(d.socket(), R"({"jsonrpc":"2.0","id":2,"method":"status"})", &status_ms);
  int64_t listed = json::parse(list).at("result").at("sessions").as_array().size();
  Watcher watchers(d.socket(), json::object{}, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"sessions", o.sessions},
                 {"log_entries", o.entries},
                 {"seed_s", seed_s},
                 {"list_all_ms", list_ms},
                 {"list_all_again_median_ms", Summarize(again).p50},
                 {"listed", listed},
                 {"status_ms", status_ms},
                 {"restart_to_ready_first_ms", cold},
                 {"restart_to_ready_second_ms", warm},
                 {"rss_kib_with_100_watchers", d.RssKiB()}};
  d.AddStoreBytes(r);
  Report(o, r);
  return listed == o.sessions ? 0 : 1;
}

int Expiry(Options& o) {
  if (!o.socket.empty()) {
    std::cerr << "roster-bench: expiry restarts the daemon; it cannot use --socket\n";
    return 2;
  }
  Daemon d(o, {{"cleanup_interval_ms", 200}});
  d.Start();
  const int64_t ttl = 5000;
  Register(d.socket(), o.sessions, ttl);
  Register(d.socket(), 1000, 600'000, 10'000'000);  // the fleet that keeps writing
  // A restart gives every live session one full TTL from the restart, so all
  // of them expire together, ttl after it.
  d.Stop();
  auto t0 = Clock::now();
  d.Start();
  const double expire_at_ms = static_cast<double>(ttl);
  // Heartbeat the fleet until the sweep is done; latency samples tagged with time.
  std::atomic<bool> swept{false};
  double sweep_ms = 0;
  std::thread poll([&] {
    while (!swept) {
      double ms = 0;
      std::string s = CallOnce(d.socket(), R"({"jsonrpc":"2.0","id":1,"method":"status"})", &ms);
      int64_t live = json::parse(s).at("result").at("live_sessions").as_int64();
      double now = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (live <= 1000 && now > ttl) {
        sweep_ms = now - expire_at_ms;
        swept = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::vector<double> during;
  int64_t ops = 0;
  while (!swept && std::chrono::duration<double>(Clock::now() - t0).count() < 50) {
    LoadResult hb = RunLoad(d.socket(), static_cast<int>(o.conns), 1, 2000, [](int64_t i) {
      return Req(i, "session.heartbeat",
                 {{"session", "s" + std::to_string(10'000'000 + i % 1000)},
                  {"meta", {{"t_us", NowUs()}}}});
    });
    ops += hb.ok;
    double now = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (now >= expire_at_ms - 500)
      during.insert(during.end(), hb.latency_us.begin(), hb.latency_us.end());
  }
  swept = true;
  poll.join();
  json::object r{{"scenario", o.scenario},
                 {"sync", SyncOf(o)},
                 {"expiring_sessions", o.sessions},
                 {"sweep_ms", sweep_ms},
                 {"samples_during_sweep", during.size()}};
  AddLatency(r, "write_latency_during_sweep", during);
  Report(o, r);
  return sweep_ms > 0 ? 0 : 1;
}

namespace {

// Milliseconds of each of `runs` whole processes of `args`, started with
// posix_spawn (vfork-like), as a shell or hook runner starts them (a plain
// fork() of this process would add the copy of its own page tables), with
// stdin from `input` and stdout to /dev/null. Empty if one failed.
std::vector<double> TimeProcesses(std::vector<std::string> args, const std::string& input,
                                  int64_t runs) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<double> ms;
  for (int64_t i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    pid_t pid = 0;
    int status = 0;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0 ||
        waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::cerr << "cannot run " << args[0] << "\n";
      ms.clear();
      break;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  posix_spawn_file_actions_destroy(&fa);
  return ms;
}

}  // namespace

// One `rosterctl session heartbeat`, one `rosterctl hook claude` for a
// PreToolUse (the hook Claude Code runs before every tool call), and
// /bin/true, each started the same way: what a process costs here.
int CliScenario(Options& o) {
  Daemon d(o, {});
  d.Start();
  Register(d.socket(), 1, 600'000);
  const std::string socket = d.socket();
  const std::string dir =
      fs::temp_directory_path() / ("roster-bench-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string empty = dir + "/empty", start = dir + "/start", tool = dir + "/tool";
  std::ofstream(empty).flush();
  const std::string base =
      R"({"session_id":"cc-bench","transcript_path":"/t.jsonl","cwd":"/src/app",)";
  std::ofstream(start) << base << R"("hook_event_name":"SessionStart","source":"startup"})";
  std::ofstream(tool) << base
                      << R"("hook_event_name":"PreToolUse","tool_name":"Bash",)"
                         R"("tool_input":{"command":"make test","description":"Run the tests"}})";
  const std::vector<std::string> hook = {o.rosterctl, "--socket", socket, "hook", "claude"};
  auto heartbeat =
      TimeProcesses({o.rosterctl, "--socket", socket, "session", "heartbeat", "s0"}, empty, o.runs);
  TimeProcesses(hook, start, 1);  // the session, then one PreToolUse, before timing
  TimeProcesses(hook, tool, 1);
  auto pretool = TimeProcesses(hook, tool, o.runs);
  auto truth = TimeProcesses({"/bin/true"}, tool, o.runs);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (heartbeat.empty() || pretool.empty() || truth.empty()) return 1;
  Percentiles hb = Summarize(heartbeat), pt = Summarize(pretool), t = Summarize(truth);
  Report(o, {{"scenario", o.scenario},
             {"sync", SyncOf(o)},
             {"runs", o.runs},
             {"heartbeat_process_median_ms", hb.p50},
             {"heartbeat_process_p99_ms", hb.p99},
             {"hook_pretooluse_median_ms", pt.p50},
             {"hook_pretooluse_p99_ms", pt.p99},
             {"bin_true_median_ms", t.p50},
             {"hook_minus_bin_true_median_ms", pt.p50 - t.p50}});
  return 0;
}

}  // namespace roster::bench

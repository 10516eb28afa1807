// host_agent.cc — a member's host duties as a client of the registry (see
// host_agent.h).
#include "cluster/host_agent.h"

#include <sys/socket.h>

#include <algorithm>

#include "core/host_probe.h"
#include "daemon/host_methods.h"
#include "util/log.h"

namespace roster::cluster {

namespace json = boost::json;

namespace {

std::optional<int64_t> OptInt(const json::value& v) {
  return v.is_int64() ? std::optional<int64_t>(v.as_int64()) : std::nullopt;
}
std::optional<std::string> OptText(const json::value& v) {
  return v.is_string() ? std::optional<std::string>(std::string(v.as_string())) : std::nullopt;
}
json::value Json(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

HostAgentOptions WithDefaults(HostAgentOptions o) {
  if (!o.probe) o.probe = SystemProcessProbe();
  o.part = std::clamp<int64_t>(o.part, 1, daemon::kMaxHostEntries);
  return o;
}

}  // namespace

HostAgent::HostAgent(HostAgentOptions options) : options_(WithDefaults(std::move(options))) {}

HostAgent::~HostAgent() { Stop(); }

void HostAgent::Start() {
  thread_ = std::thread([this] { Run(); });
}

void HostAgent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    // A call in flight waits on this descriptor: end it now.
    if (client_) ::shutdown(client_->fd(), SHUT_RDWR);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HostAgent::WaitUntil(Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_until(lock, until, [this] { return stopping_; });
  return !stopping_;
}

Result<json::value> HostAgent::Call(const std::string& method, json::object params) {
  if (!client_) {
    auto c = client::Client::Connect(options_.socket, options_.call_timeout_ms);
    if (!c.ok()) return c.status();
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("the host agent is stopping");
    client_ = std::move(c).value();
  }
  auto r = client_->Call(method, std::move(params));
  // Unavailable is the connection's failure (or the registry's: no primary,
  // a write that could not start): the next call starts on a new one.
  if (!r.ok() && r.status().code() == Code::kUnavailable) {
    std::lock_guard<std::mutex> lock(mu_);
    client_.reset();
  }
  if (!r.ok()) {
    LogWarn("host agent (" + options_.host + "): " + method + " failed: " + r.status().message());
  }
  return r;
}

void HostAgent::Run() {
  // host.start first, until answered: nothing else is this host's to do
  // before its sessions got their grace.
  const auto retry = std::min<Clock::duration>(options_.probe_interval, std::chrono::seconds(1));
  while (!SendStart()) {
    if (!WaitUntil(Clock::now() + retry)) return;
  }
  started_ = true;
  LogInfo("host agent (" + options_.host + "): started; beats every " +
          std::to_string(options_.beat_interval.count()) + " ms");
  auto next_beat = Clock::now() + options_.beat_interval;  // host.start was a beat
  auto next_probe = Clock::now();
  auto next_branch = Clock::now();
  const bool branches = options_.branch_interval.count() > 0;
  for (;;) {
    const auto now = Clock::now();
    if (now >= next_beat) {
      Beat();
      next_beat = now + options_.beat_interval;
    }
    if (now >= next_probe) {
      ProbeProcesses();
      ProbeTeamRoots();
      next_probe = Clock::now() + options_.probe_interval;
    }
    if (branches && now >= next_branch) {
      ProbeBranches();
      next_branch = Clock::now() + options_.branch_interval;
    }
    auto next = std::min(next_beat, next_probe);
    if (branches) next = std::min(next, next_branch);
    if (!WaitUntil(next)) return;
  }
}

bool HostAgent::SendStart() {
  auto r = Call("host.start", {{"host", options_.host}, {"hostname", options_.hostname}});
  if (!r.ok()) return false;
  if (const auto* graced = r->as_object().if_contains("graced")) {
    LogInfo("restart grace: " + json::serialize(*graced) + " live sessions of host " +
            options_.host + " get a full TTL from now");
  }
  return true;
}

void HostAgent::Beat() { Call("host.beat", {{"host", options_.host}}); }

Result<json::array> HostAgent::ReadSessions(const char* probe) {
  json::array out;
  json::value after = nullptr;
  do {
    auto page = Call(
        "host.sessions",
        {{"host", options_.host}, {"probe", probe}, {"after", after}, {"limit", options_.part}});
    if (!page.ok()) return page.status();
    const json::object* o = page->if_object();
    const json::value* rows = o ? o->if_contains("sessions") : nullptr;
    if (!rows || !rows->is_array()) return Status::Internal("host.sessions answered no sessions");
    for (const auto& row : rows->as_array()) out.push_back(row);
    after = o->if_contains("next") ? o->at("next") : json::value(nullptr);
  } while (!after.is_null());
  return out;
}

void HostAgent::Report(const char* key, const json::array& entries) {
  const size_t part = static_cast<size_t>(options_.part);
  for (size_t from = 0; from < entries.size(); from += part) {
    json::array chunk(
        entries.begin() + static_cast<ptrdiff_t>(from),
        entries.begin() + static_cast<ptrdiff_t>(std::min(entries.size(), from + part)));
    auto r = Call("host.report", {{"host", options_.host}, {key, std::move(chunk)}});
    if (!r.ok()) return;  // the rest at the next turn: it is probed again
  }
}

// The processes are probed here, between the read and the report: a session
// re-registered meanwhile has another pid or start, which the core's
// conditional update leaves alone.
void HostAgent::ProbeProcesses() {
  auto rows = ReadSessions("pid");
  if (!rows.ok()) return;
  json::array gone, started;
  for (const auto& row : *rows) {
    const json::object* o = row.if_object();
    if (!o || !o->contains("id") || !o->at("id").is_string() || !OptInt(o->at("pid"))) continue;
    RecordedProcess p{std::string(o->at("id").as_string()), o->at("pid").as_int64(),
                      o->contains("pid_start") ? OptInt(o->at("pid_start")) : std::nullopt};
    const ProcessFinding found = ProbeProcess(*options_.probe, p);
    if (!found.gone) {
      // Registered where its start could not be read: recorded now, so a
      // reuse of the pid is told from the process.
      if (!p.pid_start && found.start) {
        started.push_back({{"id", p.id}, {"pid", p.pid}, {"pid_start", *found.start}});
      }
      continue;
    }
    gone.push_back({{"id", p.id},
                    {"pid", p.pid},
                    {"pid_start", p.pid_start ? json::value(*p.pid_start) : nullptr}});
  }
  if (!gone.empty()) {
    LogDebug("host agent (" + options_.host + "): " + std::to_string(gone.size()) +
             " processes exited");
    Report("exited", gone);
  }
  if (!started.empty()) Report("started", started);
}

void HostAgent::ProbeBranches() {
  auto rows = ReadSessions("root");
  if (!rows.ok()) return;
  BranchSweep sweep;
  json::array changed;
  for (const auto& row : *rows) {
    const json::object* o = row.if_object();
    if (!o || !o->contains("id") || !o->at("id").is_string() || !o->contains("root") ||
        !o->at("root").is_string()) {
      continue;
    }
    SessionRoot s{std::string(o->at("id").as_string()), std::string(o->at("root").as_string()),
                  o->contains("branch") ? OptText(o->at("branch")) : std::nullopt};
    if (auto c = sweep.Check(s)) {
      changed.push_back({{"id", c->id}, {"from", Json(c->from)}, {"to", Json(c->to)}});
    }
  }
  if (!changed.empty()) Report("branches", changed);
}

// Teams are few: every team of this host, every round, its state whatever
// it was (the core writes only a change).
void HostAgent::ProbeTeamRoots() {
  auto listed = Call("team.list", {});
  if (!listed.ok()) return;
  const json::object* o = listed->if_object();
  const json::value* teams = o ? o->if_contains("teams") : nullptr;
  if (!teams || !teams->is_array()) return;
  json::array roots;
  for (const auto& t : teams->as_array()) {
    const json::object* team = t.if_object();
    if (!team || !team->contains("host") || OptText(team->at("host")) != options_.host ||
        !team->contains("project_id") || !team->at("project_id").is_string() ||
        !team->contains("root") || !team->at("root").is_string()) {
      continue;
    }
    const std::string root(team->at("root").as_string());
    roots.push_back({{"project_id", team->at("project_id")},
                     {"root", root},
                     {"live", TeamRootLive(root, options_.compose_marker)}});
  }
  if (!roots.empty()) Report("teams", roots);
}

}  // namespace roster::cluster

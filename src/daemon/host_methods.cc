// host_methods.cc — host.start, host.beat, host.sessions and host.report
// (see host_methods.h).
#include "daemon/host_methods.h"

#include "daemon/host_id.h"

namespace roster::daemon {

namespace json = boost::json;

namespace {

constexpr size_t kMaxHostnameBytes = 255;  // a DNS name

// The entries of the array params.`key` (absent: none), each decoded by
// `one` from a ParamReader naming it ("params.exited[2].pid must be ...").
template <typename T, typename F>
std::vector<T> ReadEntries(ParamReader& r, const char* key, F one, Status* bad) {
  std::vector<T> out;
  const json::value* v = r.Raw(key);
  if (!v || v->is_null() || !bad->ok()) return out;
  if (!v->is_array()) {
    *bad = Status::InvalidParams(std::string("params.") + key + " must be an array");
    return out;
  }
  const json::array& a = v->as_array();
  if (static_cast<int64_t>(a.size()) > kMaxHostEntries) {
    *bad = Status::InvalidParams(std::string("params.") + key + " holds " +
                                 std::to_string(a.size()) + " entries; at most " +
                                 std::to_string(kMaxHostEntries) + " (send them in parts)");
    return out;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string what = std::string("params.") + key + "[" + std::to_string(i) + "]";
    if (!a[i].is_object()) {
      *bad = Status::InvalidParams(what + " must be an object");
      return out;
    }
    ParamReader e(a[i].as_object(), what);
    T entry = one(e);
    if (Status s = e.Finish(); !s.ok()) {
      *bad = s;
      return out;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<Call> Checked(ParamReader& r, const Status& bad, bool write, Op op) {
  if (Status s = r.Finish(); !s.ok()) return s;
  if (!bad.ok()) return bad;
  return Call{write, std::move(op)};
}

json::value Opt(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

void CheckHost(const std::string& host, Status* bad) {
  if (!IsValidHostName(host) && bad->ok()) {
    *bad = Status::InvalidParams("params.host must be " + std::string(kHostNameRule) + " (got \"" +
                                 host + "\")");
  }
}

}  // namespace

std::optional<std::string> ReadOptionalHost(ParamReader& r, Status* bad) {
  auto host = r.Optional<std::string>("host");
  if (host) CheckHost(*host, bad);
  return host;
}

// (A missing host or one of another type is the reader's error, which
// Checked reports first.)
std::string ReadHost(ParamReader& r, Status* bad) {
  auto host = r.Required<std::string>("host");
  CheckHost(host, bad);
  return host;
}

Result<Call> HostStart(ParamReader& r) {
  Status bad;
  std::string host = ReadHost(r, &bad);
  auto hostname = r.Required<std::string>("hostname");
  if (bad.ok() && hostname.size() > kMaxHostnameBytes) {
    bad = Status::InvalidParams("params.hostname must be at most " +
                                std::to_string(kMaxHostnameBytes) + " bytes");
  }
  return Checked(r, bad, true, [host, hostname](store::Registry& reg) -> Result<std::string> {
    auto graced = reg.GrantRestartGrace(host);
    if (!graced.ok()) return graced.status();
    if (Status s = reg.RecordHostStart(host, hostname); !s.ok()) return s;
    return json::serialize(json::object{{"host", host}, {"graced", *graced}});
  });
}

Result<Call> HostBeat(ParamReader& r) {
  Status bad;
  std::string host = ReadHost(r, &bad);
  return Checked(r, bad, true, [host](store::Registry& reg) -> Result<std::string> {
    if (Status s = reg.RecordHostHeartbeat(host); !s.ok()) return s;
    return std::string("{}");
  });
}

// A page of what the host's agent probes: with probe "pid" the recorded
// processes of its active/idle sessions (what the cleanup strand's process
// step reads), with "root" the roots and stored branches of its live and
// paused sessions (the branch step's).
Result<Call> HostSessions(ParamReader& r) {
  Status bad;
  std::string host = ReadHost(r, &bad);
  auto probe = r.Required<std::string>("probe");
  auto after = r.Optional<std::string>("after").value_or("");
  auto limit = r.Optional<int64_t>("limit").value_or(1000);
  if (bad.ok() && probe != "pid" && probe != "root") {
    bad = Status::InvalidParams("params.probe must be \"pid\" or \"root\" (got \"" + probe + "\")");
  }
  if (bad.ok() && (limit < 1 || limit > kMaxHostEntries)) {
    bad = Status::InvalidParams("params.limit must be 1.." + std::to_string(kMaxHostEntries));
  }
  return Checked(r, bad, false, [=](store::Registry& reg) -> Result<std::string> {
    std::string cursor = after;
    json::array rows;
    if (probe == "pid") {
      auto page = reg.HostProcesses(host, &cursor, limit);
      if (!page.ok()) return page.status();
      for (const auto& p : *page) {
        rows.push_back({{"id", p.id},
                        {"pid", p.pid},
                        {"pid_start", p.pid_start ? json::value(*p.pid_start) : nullptr}});
      }
    } else {
      auto page = reg.SessionRoots(host, &cursor, limit);
      if (!page.ok()) return page.status();
      for (const auto& s : *page) {
        rows.push_back({{"id", s.id}, {"root", s.root}, {"branch", Opt(s.branch)}});
      }
    }
    return json::serialize(
        json::object{{"sessions", std::move(rows)},
                     {"next", cursor.empty() ? json::value(nullptr) : json::value(cursor)}});
  });
}

Result<Call> HostReport(ParamReader& r) {
  Status bad;
  std::string host = ReadHost(r, &bad);
  auto exited = ReadEntries<store::Registry::DeadProcess>(
      r, "exited",
      [&bad](ParamReader& e) {
        store::Registry::DeadProcess p{e.Required<std::string>("id"), e.Required<int64_t>("pid"),
                                       e.Optional<int64_t>("pid_start")};
        if (bad.ok() && p.pid < 1 && e.Finish().ok()) {
          bad = Status::InvalidParams("params.exited[].pid must be positive");
        }
        return p;
      },
      &bad);
  auto started = ReadEntries<RecordedProcess>(
      r, "started",
      [](ParamReader& e) {
        return RecordedProcess{e.Required<std::string>("id"), e.Required<int64_t>("pid"),
                               e.Required<int64_t>("pid_start")};
      },
      &bad);
  auto branches = ReadEntries<store::Registry::BranchChange>(
      r, "branches",
      [](ParamReader& e) {
        // "from" and "to" must be given (null: outside a work tree).
        if (!e.Raw("from")) e.Required<std::string>("from");
        if (!e.Raw("to")) e.Required<std::string>("to");
        return store::Registry::BranchChange{e.Required<std::string>("id"),
                                             e.Optional<std::string>("from"),
                                             e.Optional<std::string>("to")};
      },
      &bad);
  auto teams = ReadEntries<store::Registry::TeamRootState>(
      r, "teams",
      [](ParamReader& e) {
        return store::Registry::TeamRootState{e.Required<std::string>("project_id"),
                                              e.Required<std::string>("root"),
                                              e.Required<bool>("live")};
      },
      &bad);
  return Checked(r, bad, true, [=](store::Registry& reg) -> Result<std::string> {
    auto marked = reg.MarkProcessesExited(host, exited);
    if (!marked.ok()) return marked.status();
    auto starts = reg.SetPidStarts(host, started);
    if (!starts.ok()) return starts.status();
    auto set = reg.SetBranches(host, branches);
    if (!set.ok()) return set.status();
    auto roots = reg.SetTeamRoots(host, teams);
    if (!roots.ok()) return roots.status();
    return json::serialize(json::object{
        {"exited", *marked}, {"started", *starts}, {"branches", *set}, {"teams", *roots}});
  });
}

}  // namespace roster::daemon

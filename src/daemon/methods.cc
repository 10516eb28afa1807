// methods.cc — one decoder per method of the API (docs/api.md).
#include "daemon/methods.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <map>

#include "core/git_branch.h"
#include "daemon/host_methods.h"
#include "daemon/pane_methods.h"
#include "daemon/params.h"

namespace roster::daemon {

namespace json = boost::json;
using Decoder = std::function<Result<Call>(ParamReader&)>;

namespace {

// Wraps a registry call returning Result<T> into an Op producing JSON.
template <typename F>
Op Json(F f) {
  return [f = std::move(f)](store::Registry& reg) -> Result<std::string> {
    auto r = f(reg);
    if (!r.ok()) return r.status();
    return json::serialize(json::value_from(r.value()));
  };
}

// `bad`: a problem found beyond the reader's (which comes first).
Result<Call> Done(ParamReader& r, bool write, Op op, const Status& bad = Status::Ok()) {
  Status s = r.Finish();
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return Call{write, std::move(op)};
}

Result<Call> SessionRegister(ParamReader& r) {
  RegisterParams p{r.Optional<std::string>("id"),           r.Optional<std::string>("name"),
                   r.Optional<std::string>("root"),         r.Optional<int64_t>("pid"),
                   r.Optional<std::string>("tmux_session"), r.Optional<int64_t>("ttl_ms"),
                   r.Optional<json::object>("meta"),        r.Optional<std::string>("tmux_pane"),
                   r.Optional<std::string>("tmux_socket"),  r.Optional<std::string>("activity"),
                   r.Optional<bool>("hook").value_or(false)};
  Status bad;
  p.host = ReadOptionalHost(r, &bad);
  auto call = Done(r, true, Json([p](store::Registry& reg) { return reg.Register(p); }), bad);
  if (call.ok() && p.root && !p.root->empty()) {
    // The root's branch is read first, off the writer (a stat and a read),
    // when the root is on this machine (another host's agent reads its own).
    call->probe = [p](store::Registry& reader) mutable -> Result<ProbeResult> {
      if (reader.HostOf(p.host) == reader.options().host) p.branch = ReadGitBranch(*p.root);
      return ProbeResult(Op(Json([p](store::Registry& reg) { return reg.Register(p); })));
    };
  }
  return call;
}

Result<Call> SessionHeartbeat(ParamReader& r) {
  HeartbeatParams p{r.Required<std::string>("session"), r.Optional<json::object>("meta"),
                    r.Optional<std::string>("status"), r.Optional<std::string>("activity")};
  return Done(r, true, Json([p](store::Registry& reg) { return reg.Heartbeat(p); }));
}

Result<Call> SessionUpdate(ParamReader& r) {
  UpdateParams p{r.Required<std::string>("session"),
                 r.Optional<std::string>("status"),
                 r.Optional<std::string>("status_reason"),
                 r.Optional<json::object>("meta"),
                 r.Optional<int64_t>("pid"),
                 r.Optional<std::string>("root"),
                 r.Optional<std::string>("tmux_session"),
                 r.Optional<int64_t>("ttl_ms"),
                 r.Optional<std::string>("tmux_pane"),
                 r.Optional<std::string>("tmux_socket"),
                 r.Optional<std::string>("activity")};
  return Done(r, true, Json([p](store::Registry& reg) { return reg.Update(p); }));
}

Result<Call> SessionGet(ParamReader& r) {
  auto s = r.Required<std::string>("session");
  return Done(r, false, Json([s](store::Registry& reg) { return reg.Get(s); }));
}

Result<Call> SessionList(ParamReader& r) {
  ListParams p{r.StringOrList("status"), r.Optional<std::string>("root"),
               r.Optional<std::string>("after"), r.Optional<int64_t>("limit").value_or(0),
               r.Optional<std::string>("host")};
  return Done(r, false, [p](store::Registry& reg) -> Result<std::string> {
    int64_t rev = 0;
    // One buffer end to end: lists of 100,000 sessions are ~28 MB.
    std::string out = R"({"sessions":)";
    if (Status s = reg.ListJson(p, &out, &rev); !s.ok()) return s;
    out += R"(,"rev":)" + std::to_string(rev) + "}";
    return out;
  });
}

Result<Call> SessionResume(ParamReader& r) {
  auto s = r.Required<std::string>("session");
  return Done(r, true, Json([s](store::Registry& reg) { return reg.Resume(s); }));
}

Result<Call> SessionStop(ParamReader& r) {
  auto s = r.Required<std::string>("session");
  auto reason = r.Optional<std::string>("reason");
  return Done(r, true, Json([s, reason](store::Registry& reg) { return reg.Stop(s, reason); }));
}

Result<Call> SessionRemove(ParamReader& r) {
  auto s = r.Required<std::string>("session");
  return Done(r, true, [s](store::Registry& reg) -> Result<std::string> {
    Status st = reg.Remove(s);
    if (!st.ok()) return st;
    return std::string(R"({"removed":true})");
  });
}

// The processes and tmux sessions are probed on a reader; the writer only
// deletes the sessions found gone (a probe inside the write held every other
// writer for 50-140 ms per call over 5,000 sessions with a pid).
Result<Call> SessionReap(ParamReader& r) {
  auto call = Done(r, true, nullptr);
  if (!call.ok()) return call;
  call->probe = [](store::Registry& reader) -> Result<ProbeResult> {
    auto found = reader.FindReapable();
    if (!found.ok()) return found.status();
    return ProbeResult(Op(Json([found = std::move(found).value()](store::Registry& reg) {
      return reg.ReapFound(found);
    })));
  };
  return call;
}

Result<Call> SessionPauses(ParamReader& r) {
  auto s = r.Required<std::string>("session");
  return Done(r, false, [s](store::Registry& reg) -> Result<std::string> {
    auto p = reg.Pauses(s);
    if (!p.ok()) return p.status();
    return json::serialize(json::object{{"pauses", json::value_from(*p)}});
  });
}

Result<Call> TeamUp(ParamReader& r) {
  TeamUpParams p{r.Required<std::string>("project_id"), r.Required<std::string>("root"),
                 r.Optional<std::string>("tmux_prefix"),
                 r.Required<std::vector<std::string>>("agents")};
  Status bad;
  p.host = ReadOptionalHost(r, &bad);
  return Done(r, true, Json([p](store::Registry& reg) { return reg.TeamUp(p); }), bad);
}

Result<Call> TeamDown(ParamReader& r) {
  auto root = r.Required<std::string>("root");
  auto project = r.Optional<std::string>("project_id");
  return Done(r, true, [root, project](store::Registry& reg) -> Result<std::string> {
    auto n = reg.TeamDown(root, project);
    if (!n.ok()) return n.status();
    return R"({"removed":)" + std::to_string(*n) + "}";
  });
}

// Wraps a list result as {key: [...]}.
template <typename F>
Op Listed(const char* key, F f) {
  return [key, f = std::move(f)](store::Registry& reg) -> Result<std::string> {
    auto r = f(reg);
    if (!r.ok()) return r.status();
    return json::serialize(json::object{{key, json::value_from(*r)}});
  };
}

Result<Call> TeamList(ParamReader& r) {
  auto root = r.Optional<std::string>("root");
  return Done(r, false,
              Listed("teams", [root](store::Registry& reg) { return reg.TeamList(root); }));
}

Result<Call> TeamRoster(ParamReader& r) {
  auto root = r.Required<std::string>("root");
  return Done(r, false,
              Listed("roster", [root](store::Registry& reg) { return reg.TeamRoster(root); }));
}

Result<Call> TeamOrphans(ParamReader& r) {
  OrphansParams p{r.Required<std::string>("root"), r.Required<std::vector<std::string>>("desired"),
                  r.Optional<std::string>("project_id"),
                  r.Optional<bool>("per_agent").value_or(false)};
  return Done(r, false,
              Listed("orphans", [p](store::Registry& reg) { return reg.TeamOrphans(p); }));
}

Result<Call> TeamStale(ParamReader& r) {
  return Done(r, false, Listed("teams", [](store::Registry& reg) { return reg.TeamStale(); }));
}

// FNV-1a (64 bits) of `parts`, each ended by a NUL, as 16 hex digits: the
// fingerprint a request key is recorded with (stable across builds).
std::string Fingerprint(std::initializer_list<std::string_view> parts) {
  uint64_t h = 14695981039346656037ULL;
  for (std::string_view part : parts) {
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ULL;
    h *= 1099511628211ULL;  // the NUL between parts
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

// log.append and log.rotate are not idempotent: a retry appends again. With
// a request_key the write is applied once (Registry::ApplyOnce): a retry of
// one whose answer was lost gets that answer instead of a second entry.
Result<Call> LogAppendOrRotate(ParamReader& r, bool rotate) {
  auto s = r.Required<std::string>("session");
  auto kind = r.Required<std::string>("kind");
  const json::value* raw = r.Raw("body");
  if (!raw) r.Required<json::value>("body");  // reports "params.body is required"
  auto key = r.Optional<std::string>("request_key");
  const std::string fingerprint = key ? Fingerprint({rotate ? "log.rotate" : "log.append", s, kind,
                                                     raw ? json::serialize(*raw) : std::string()})
                                      : std::string();
  json::value body = raw ? *raw : json::value(nullptr);  // the one copy; moved from here on
  Op append = Json([s = std::move(s), kind = std::move(kind), body = std::move(body),
                    rotate](store::Registry& reg) {
    return rotate ? reg.LogRotate(s, kind, body) : reg.LogAppend(s, kind, body);
  });
  if (key) {
    append = [key = std::move(*key), fingerprint,
              append = std::move(append)](store::Registry& reg) -> Result<std::string> {
      return reg.ApplyOnce(key, fingerprint, [&] { return append(reg); });
    };
  }
  return Done(r, true, std::move(append));
}

Result<Call> LogRead(ParamReader& r) {
  LogReadParams p{r.Required<std::string>("session"), r.Optional<int64_t>("after_seq").value_or(0),
                  r.Optional<int64_t>("limit").value_or(100), r.Optional<int64_t>("epoch"),
                  r.Optional<bool>("tail").value_or(false)};
  return Done(r, false, Json([p](store::Registry& reg) { return reg.LogRead(p); }));
}

// Cluster membership, served by the primary's core (the dqlite engine; the
// file engine answers invalid_state). Reads, on a reader: they change the
// Raft configuration, not the registry's tables.
Result<Call> ClusterJoin(ParamReader& r) {
  auto id = r.Required<int64_t>("id");
  auto address = r.Required<std::string>("address");
  if (Status s = r.Finish(); !s.ok()) return s;
  if (id < 2) {
    return Status::InvalidParams(
        "params.id must be a joining node's id (2 or more; 1 is the node "
        "that bootstrapped the cluster)");
  }
  return Call{
      false, [id, address](store::Registry& reg) -> Result<std::string> {
        if (Status s = reg.ClusterJoin(static_cast<uint64_t>(id), address); !s.ok()) {
          return s;
        }
        return json::serialize(json::object{{"id", id}, {"address", address}, {"role", "voter"}});
      }};
}

Result<Call> ClusterMembers(ParamReader& r) {
  return Done(r, false, [](store::Registry& reg) -> Result<std::string> {
    auto members = reg.ClusterMembers();
    if (!members.ok()) return members.status();
    json::array out;
    for (const auto& m : *members) {
      out.push_back(json::object{{"id", m.id},
                                 {"address", m.address},
                                 {"role", m.role},
                                 {"leader", m.leader},
                                 {"reachable", m.reachable}});
    }
    return json::serialize(out);
  });
}

Result<Call> ClusterLeave(ParamReader& r) {
  auto id = r.Optional<int64_t>("id");
  if (Status s = r.Finish(); !s.ok()) return s;
  if (id && *id < 1) return Status::InvalidParams("params.id must be a member's id (1 or more)");
  std::optional<uint64_t> node;
  if (id) node = static_cast<uint64_t>(*id);
  return Call{false, [node](store::Registry& reg) -> Result<std::string> {
                auto left = reg.ClusterLeave(node);
                if (!left.ok()) return left.status();
                return json::serialize(json::object{{"id", *left}});
              }};
}

const std::map<std::string, Decoder, std::less<>>& Table() {
  static const std::map<std::string, Decoder, std::less<>> kTable = {
      {"session.register", SessionRegister},
      {"session.heartbeat", SessionHeartbeat},
      {"session.update", SessionUpdate},
      {"session.get", SessionGet},
      {"session.list", SessionList},
      {"session.pause", SessionPause},
      {"session.resume", SessionResume},
      {"session.stop", SessionStop},
      {"session.remove", SessionRemove},
      {"session.reap", SessionReap},
      {"session.pauses", SessionPauses},
      {"session.send", SessionSend},
      {"session.output", SessionOutput},
      {"team.up", TeamUp},
      {"team.down", TeamDown},
      {"team.list", TeamList},
      {"team.roster", TeamRoster},
      {"team.orphans", TeamOrphans},
      {"team.stale", TeamStale},
      {"log.append", [](ParamReader& r) { return LogAppendOrRotate(r, false); }},
      {"log.rotate", [](ParamReader& r) { return LogAppendOrRotate(r, true); }},
      {"log.read", LogRead},
      {"host.start", HostStart},
      {"host.beat", HostBeat},
      {"host.sessions", HostSessions},
      {"host.report", HostReport},
      {"cluster.join", ClusterJoin},
      {"cluster.members", ClusterMembers},
      {"cluster.leave", ClusterLeave},
  };
  return kTable;
}

// The methods the dispatcher serves itself (rpc.cc).
constexpr std::string_view kDispatcherMethods[] = {"cluster.status", "status", "unwatch", "watch"};

}  // namespace

bool IsKnownMethod(const std::string& method) {
  return Table().count(method) ||
         std::find(std::begin(kDispatcherMethods), std::end(kDispatcherMethods), method) !=
             std::end(kDispatcherMethods);
}

std::vector<std::string> KnownMethods() {
  std::vector<std::string> out(std::begin(kDispatcherMethods), std::end(kDispatcherMethods));
  for (const auto& [name, decoder] : Table()) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::vector<std::string>> ParamNames(const std::string& method) {
  auto it = Table().find(method);
  if (it == Table().end()) return std::nullopt;
  static const json::object kNone;
  ParamReader reader(kNone);
  it->second(reader);  // every decoder reads all its params before it decides anything
  return reader.seen();
}

std::optional<Result<Call>> DecodeCall(const std::string& method, const json::object& params) {
  auto it = Table().find(method);
  if (it == Table().end()) return std::nullopt;
  ParamReader reader(params);
  return it->second(reader);
}

}  // namespace roster::daemon

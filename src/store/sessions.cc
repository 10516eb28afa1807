// sessions.cc — session rules: register/revive, update, resolve by id or
// friendly name, list, stop and remove. Heartbeats are in heartbeat.cc,
// pause/resume/reap in pauses.cc. Every write goes through
// Registry::Write (atomic).
#include <filesystem>

#include "core/merge_patch.h"
#include "core/uuid.h"
#include "store/registry_txn.h"
#include "store/rows.h"
#include "store/validate.h"
#include "util/big_buffer.h"

namespace roster::store {

Result<Session> Registry::Resolve(const std::string& session) {
  if (session.empty()) return Status::InvalidParams("session must name a session id or name");
  auto& q = Stmt(ROSTER_SESSION_SELECT "WHERE s.id = ?1 UNION ALL " ROSTER_SESSION_SELECT
                                       "WHERE s.name = ?1 AND s.id <> ?1 LIMIT 1");
  q.bind(1, session);
  if (!q.executeStep()) {
    return Status::NotFound("no session with id or name '" + session +
                            "' (session.list shows the known ones)");
  }
  Session s = ReadSession(q);
  s.unreachable = HostUnreachable(s.host);
  return s;
}

// The fields register and update share (RegisterParams, UpdateParams).
template <typename P>
Status Registry::ValidateCommon(const P& p) const {
  const size_t max = options_.max_field_bytes;
  if (p.root) ROSTER_RETURN_IF_ERROR(CheckText("root", *p.root, max, /*allow_empty=*/true));
  if (p.tmux_session)
    ROSTER_RETURN_IF_ERROR(CheckText("tmux_session", *p.tmux_session, max, false));
  if (p.tmux_pane) ROSTER_RETURN_IF_ERROR(CheckText("tmux_pane", *p.tmux_pane, 128, false));
  if (p.tmux_socket) ROSTER_RETURN_IF_ERROR(CheckText("tmux_socket", *p.tmux_socket, max, false));
  if (p.activity) ROSTER_RETURN_IF_ERROR(CheckActivity(*p.activity));
  if (p.pid && *p.pid <= 0) return Status::InvalidParams("pid must be a positive integer");
  if (p.ttl_ms && (*p.ttl_ms <= 0 || *p.ttl_ms > options_.max_ttl_ms)) {
    return Status::InvalidParams("ttl_ms must be between 1 and " +
                                 std::to_string(options_.max_ttl_ms));
  }
  if (p.meta) {
    ROSTER_RETURN_IF_ERROR(
        CheckJsonSize("meta", json::serialize(*p.meta), options_.max_meta_bytes));
  }
  return Status::Ok();
}

Status Registry::CheckLiveLimit() {
  auto& q = Stmt(
      "SELECT coalesce(sum(n), 0) FROM session_counts WHERE status IN ('active', 'idle', "
      "'paused')");
  q.executeStep();
  if (q.getColumn(0).getInt64() >= options_.max_live_sessions) {
    return Status::LimitExceeded("the registry already holds " +
                                 std::to_string(options_.max_live_sessions) +
                                 " live sessions (max_live_sessions); stop or remove some first");
  }
  return Status::Ok();
}

Status Registry::CheckNameFree(const std::string& name, const std::string& id) {
  auto& q = Stmt("SELECT id FROM sessions WHERE (name = ?1 OR id = ?1) AND id <> ?2");
  q.bind(1, name);
  q.bind(2, id);
  if (q.executeStep()) {
    return Status::Conflict("the name '" + name + "' is already used by session " +
                            q.getColumn(0).getString() + "; choose another name");
  }
  return Status::Ok();
}

void Registry::SetPidStart(const std::string& id, std::optional<int64_t> pid,
                           const std::string& host) {
  // Another host's pid (every host's, with host agents) is another machine's
  // to read: no start time here (its agent reports it: SetPidStarts).
  std::optional<int64_t> start;
  if (pid && ReadsFactsOf(host)) start = options_.probe->StartTime(*pid);
  auto& q = Stmt("UPDATE sessions SET pid_start = ?2 WHERE id = ?1");
  q.bind(1, id);
  BindOpt(q, 2, start);
  q.exec();
}

Status Registry::SaveSession(const Session& s, bool meta_changed) {
  auto& q = Stmt(
      "UPDATE sessions SET name = ?2, root = ?3, pid = ?4, tmux_session = ?5, status = ?6, "
      "status_reason = ?7, updated_at = ?8, last_seen = ?9, ttl_ms = ?10, "
      "meta = coalesce(?11, meta), branch = ?12, tmux_pane = ?13, tmux_socket = ?14, "
      "activity = ?15, grace_until = ?16, host = ?17 WHERE id = ?1");
  q.bind(1, s.id);
  q.bind(2, s.name);
  q.bind(3, s.root);
  BindOpt(q, 4, s.pid);
  BindOpt(q, 5, s.tmux_session);
  q.bind(6, s.status);
  BindOpt(q, 7, s.status_reason);
  q.bind(8, s.updated_at);
  q.bind(9, s.last_seen);
  q.bind(10, s.ttl_ms);
  if (meta_changed)
    q.bind(11, json::serialize(s.meta));
  else
    q.bind(11);
  BindOpt(q, 12, s.branch);
  BindOpt(q, 13, s.tmux_pane);
  BindOpt(q, 14, s.tmux_socket);
  BindOpt(q, 15, s.activity);
  BindOpt(q, 16, s.grace_until);
  BindOpt(q, 17, s.host);
  q.exec();
  return Status::Ok();
}

namespace {

// A friendly default name: the root's last component plus a slice of the id.
std::string DefaultNameBase(const std::optional<std::string>& root) {
  std::string base = root ? std::filesystem::path(*root).filename().string() : "";
  if (base.empty() || base == "/" || base == ".") base = "session";
  for (char& c : base) {
    if (static_cast<unsigned char>(c) < 0x21) c = '-';
  }
  return base.substr(0, 48);
}

// The status a (re)registered live session starts in: what its activity
// implies (an agent waiting at its prompt is idle), else active.
std::string StartStatus(const RegisterParams& p) {
  return p.activity ? StatusForActivity(*p.activity) : "active";
}

}  // namespace

int64_t Registry::RegisterTtl(const RegisterParams& p) const {
  if (p.ttl_ms) return *p.ttl_ms;
  return p.hook ? options_.hook_ttl_ms : options_.default_ttl_ms;
}

Result<Session> Registry::InsertNew(const RegisterParams& p) {
  ROSTER_RETURN_IF_ERROR(CheckLiveLimit());
  const std::string id = p.id ? *p.id : NewUuidV4();
  auto& taken = Stmt("SELECT id FROM sessions WHERE name = ?1");
  taken.bind(1, id);
  if (taken.executeStep()) {
    return Status::Conflict("the id '" + id + "' is the name of session " +
                            taken.getColumn(0).getString() + "; ids and names share a namespace");
  }
  std::string name;
  if (p.name) {
    ROSTER_RETURN_IF_ERROR(CheckNameFree(*p.name, id));
    name = *p.name;
  } else {
    const std::string hex = id;
    for (size_t len : {4u, 8u, 12u, 36u}) {
      name = DefaultNameBase(p.root) + "-" + hex.substr(0, std::min<size_t>(len, hex.size()));
      if (CheckNameFree(name, id).ok()) break;
    }
    ROSTER_RETURN_IF_ERROR(CheckNameFree(name, id));
  }
  const int64_t now = Now();
  auto& q = Stmt(
      "INSERT INTO sessions (id, name, root, pid, tmux_session, status, created_at, updated_at, "
      "last_seen, ttl_ms, meta, expiry_check_at, tmux_pane, tmux_socket, activity, branch, host) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?9, ?6, ?6, ?6, ?7, ?8, ?6 + ?7, ?10, ?11, ?12, ?13, ?14)");
  q.bind(1, id);
  q.bind(2, name);
  q.bind(3, p.root.value_or(""));
  BindOpt(q, 4, p.pid);
  BindOpt(q, 5, p.tmux_session);
  q.bind(6, now);
  q.bind(7, RegisterTtl(p));
  q.bind(8, json::serialize(p.meta.value_or(json::object())));
  q.bind(9, StartStatus(p));
  BindOpt(q, 10, p.tmux_pane);
  BindOpt(q, 11, p.tmux_socket);
  BindOpt(q, 12, p.activity);
  BindOpt(q, 13, p.branch);
  q.bind(14, HostOf(p.host));
  q.exec();
  if (p.pid) SetPidStart(id, p.pid, HostOf(p.host));
  return Resolve(id);
}

// A re-register updates what it names and leaves the rest (a revive without a
// root keeps the stored root). An operator's pause is ended only by resume, so
// a paused session stays paused; any other session becomes live again, with
// no open pause. The session now runs where it was registered: its host is
// the one the register names, else this rosterd's (its pid and pane were
// read there).
Result<Session> Registry::ReviveExisting(Session s, const RegisterParams& p) {
  const bool live = s.status == "active" || s.status == "idle" || s.status == "paused";
  if (!live) ROSTER_RETURN_IF_ERROR(CheckLiveLimit());
  if (p.name && *p.name != s.name) {
    ROSTER_RETURN_IF_ERROR(CheckNameFree(*p.name, s.id));
    s.name = *p.name;
  }
  const int64_t now = Now();
  if (p.root && *p.root != s.root) {
    s.root = *p.root;
    s.branch.reset();  // another root: its branch, if read, follows
  }
  if (p.root) s.branch = p.branch;
  const std::string& host = HostOf(p.host);
  const bool moved = s.host != host;
  if (moved) {
    // Another machine's pid, pane and tmux session mean nothing here.
    if (!p.pid) s.pid.reset();
    if (!p.tmux_pane) s.tmux_pane.reset(), s.tmux_socket.reset();
    if (!p.tmux_session) s.tmux_session.reset();
    s.host = host;
  }
  if (p.pid) s.pid = p.pid;
  if (p.tmux_session) s.tmux_session = p.tmux_session;
  if (p.tmux_pane) s.tmux_pane = p.tmux_pane;
  if (p.tmux_socket) s.tmux_socket = p.tmux_socket;
  if (p.activity) s.activity = p.activity;
  if (p.ttl_ms || p.hook) s.ttl_ms = RegisterTtl(p);
  if (p.meta) ApplyMergePatch(s.meta, *p.meta);
  if (s.status != "paused") {
    // A pause left open by an outside write (a shell's UPDATE of status)
    // would make the next pause fail: an ended session has none.
    if (s.pause) ROSTER_RETURN_IF_ERROR(ClosePause(s.id, now, "stop"));
    s.status = StartStatus(p);
    s.status_reason.reset();
  }
  s.updated_at = s.last_seen = now;
  s.grace_until.reset();
  ROSTER_RETURN_IF_ERROR(SaveSession(s, p.meta.has_value()));
  if (p.pid || moved) SetPidStart(s.id, s.pid, host);
  return Resolve(s.id);
}

Result<Session> Registry::Register(const RegisterParams& p) {
  return Write<Session>([&]() -> Result<Session> {
    if (p.id) ROSTER_RETURN_IF_ERROR(CheckId(*p.id));
    if (p.name) ROSTER_RETURN_IF_ERROR(CheckName(*p.name, p.id));
    ROSTER_RETURN_IF_ERROR(ValidateCommon(p));
    if (p.id) {
      auto& q = Stmt(ROSTER_SESSION_SELECT "WHERE s.id = ?1");
      q.bind(1, *p.id);
      if (q.executeStep()) return ReviveExisting(ReadSession(q), p);
    }
    return InsertNew(p);
  });
}

Result<Session> Registry::Update(const UpdateParams& p) {
  return Write<Session>([&]() -> Result<Session> {
    if (p.status) ROSTER_RETURN_IF_ERROR(CheckLiveStatus(*p.status));
    if (p.status_reason) {
      ROSTER_RETURN_IF_ERROR(
          CheckText("status_reason", *p.status_reason, options_.max_field_bytes, true));
    }
    ROSTER_RETURN_IF_ERROR(ValidateCommon(p));
    auto r = Resolve(p.session);
    if (!r.ok()) return r.status();
    Session& s = r.value();
    if (s.status == "stopped") return StoppedError(s);
    if (s.status == "paused" && p.status) return PausedError(s);
    if (p.status) {
      s.status = *p.status;
    } else if (p.activity && s.status != "paused") {
      s.status = StatusForActivity(*p.activity);
    }
    if (p.status_reason) s.status_reason = p.status_reason;
    if (p.meta) ApplyMergePatch(s.meta, *p.meta);
    if (p.pid) s.pid = p.pid;
    if (p.root && *p.root != s.root) {
      s.root = *p.root;
      s.branch.reset();
    }
    if (p.tmux_session) s.tmux_session = p.tmux_session;
    if (p.tmux_pane) s.tmux_pane = p.tmux_pane;
    if (p.tmux_socket) s.tmux_socket = p.tmux_socket;
    if (p.activity) s.activity = p.activity;
    if (p.ttl_ms) s.ttl_ms = *p.ttl_ms;
    s.updated_at = s.last_seen = Now();
    s.grace_until.reset();
    ROSTER_RETURN_IF_ERROR(SaveSession(s, p.meta.has_value()));
    if (p.pid) SetPidStart(s.id, p.pid, HostOf(s.host));
    return Resolve(s.id);
  });
}

Result<Session> Registry::Get(const std::string& session) {
  return Read<Session>([&] { return Resolve(session); });
}

// The filter shared by List and ListJson (appended to their SELECTs).
#define ROSTER_LIST_FILTER                                               \
  "WHERE (?1 IS NULL OR s.status IN (SELECT value FROM json_each(?1))) " \
  "AND (?2 IS NULL OR s.root = ?2) AND (?3 IS NULL OR s.name > ?3) "     \
  "AND (?5 IS NULL OR s.host = ?5) "                                     \
  "ORDER BY s.name LIMIT ?4"

namespace {

Status CheckListParams(const ListParams& p) {
  for (const auto& st : p.statuses) ROSTER_RETURN_IF_ERROR(CheckAnyStatus(st));
  if (p.limit < 0) return Status::InvalidParams("limit must not be negative");
  if (p.host) ROSTER_RETURN_IF_ERROR(CheckText("host", *p.host, 128, false));
  return Status::Ok();
}

void BindListFilter(Statement& q, const ListParams& p) {
  if (!p.statuses.empty()) q.bind(1, json::serialize(json::value_from(p.statuses)));
  BindOpt(q, 2, p.root);
  BindOpt(q, 3, p.after);
  q.bind(4, p.limit > 0 ? p.limit : int64_t{-1});
  BindOpt(q, 5, p.host);
}

}  // namespace

Result<std::vector<Session>> Registry::List(const ListParams& p) {
  ROSTER_RETURN_IF_ERROR(CheckListParams(p));
  return Read<std::vector<Session>>([&]() -> Result<std::vector<Session>> {
    auto& q = Stmt(ROSTER_SESSION_SELECT ROSTER_LIST_FILTER);
    BindListFilter(q, p);
    std::vector<Session> out;
    while (q.executeStep()) out.push_back(ReadSession(q));
    q.tryReset();
    for (Session& s : out) s.unreachable = HostUnreachable(s.host);
    return out;
  });
}

size_t Registry::SessionCount() {
  try {
    auto& q = Stmt("SELECT coalesce(sum(n), 0) FROM session_counts");
    const size_t n = q.executeStep() ? static_cast<size_t>(q.getColumn(0).getInt64()) : 0;
    q.tryReset();  // hold no read snapshot
    return n;
  } catch (const std::exception&) {
    return 0;  // only a size hint
  }
}

Result<std::string> Registry::ListJson(const ListParams& p, int64_t* rev) {
  std::string out;
  ROSTER_RETURN_IF_ERROR(ListJson(p, &out, rev));
  return out;
}

Status Registry::ListJson(const ListParams& p, std::string* out, int64_t* rev) {
  ROSTER_RETURN_IF_ERROR(CheckListParams(p));
  const bool full = p.statuses.empty() && !p.root && !p.after && p.limit == 0 && !p.host;
  // Growing a string of tens of megabytes by doubling copies it and touches
  // every page twice; room for what the last full list took (plus framing)
  // avoids both. The first full list on this connection guesses from the
  // session count instead (untouched room costs only address space).
  if (full && full_list_bytes_ == 0) full_list_bytes_ = SessionCount() * kListRowGuessBytes;
  if (full) ReserveBig(out, out->size() + full_list_bytes_ + full_list_bytes_ / 16 + 256);
  const size_t start = out->size();
  auto r = Read<bool>([&]() -> Result<bool> {
    // A session is its feed row (feed_sessions: the row JSON spelled once)
    // with its open pause and whether its host is unreachable as last
    // members, spliced in here.
    auto& q = Stmt(
        "SELECT f.data, CASE WHEN p.paused_at IS NULL THEN 'null' ELSE json_object('paused_at', "
        "p.paused_at, 'summary', p.summary, 'note', p.note) END, "
        ROSTER_UNREACHABLE("s.host", "?6", "?7") " "
        "FROM sessions AS s JOIN feed_sessions AS f ON f.rowid = s.rowid "
        "LEFT JOIN pauses AS p ON p.session_id = s.id AND p.resumed_at IS "
        "NULL " ROSTER_LIST_FILTER);
    BindListFilter(q, p);
    q.bind(6, options_.host);
    q.bind(7, Now() - options_.host_timeout_ms);
    *rev = LastRev();  // same transaction as the rows
    *out += '[';
    while (q.executeStep()) {
      if (out->size() > start + 1) *out += ',';
      std::string_view row = q.getColumn(0).getText();
      const std::string_view pause = q.getColumn(1).getText();
      const std::string_view unreachable = q.getColumn(2).getText();
      ReserveBig(out, out->size() + row.size() + pause.size() + 256);  // 256: the reply's framing
      row.remove_suffix(1);                                            // its closing brace
      (*out += row) += R"(,"pause":)";
      ((*out += pause) += R"(,"unreachable":)") += unreachable;
      *out += '}';
    }
    *out += ']';
    return true;
  });
  if (!r.ok()) return r.status();
  if (full) full_list_bytes_ = out->size() - start;
  return Status::Ok();
}

// A stop ends the session's open pause (recorded as ended by the stop), so a
// revived session starts without one; the agent's activity is no longer known.
Result<Session> Registry::Stop(const std::string& session,
                               const std::optional<std::string>& reason) {
  return Write<Session>([&]() -> Result<Session> {
    if (reason) {
      ROSTER_RETURN_IF_ERROR(CheckText("reason", *reason, options_.max_field_bytes, true));
    }
    auto r = Resolve(session);
    if (!r.ok()) return r.status();
    Session& s = r.value();
    if (s.status == "stopped") return StoppedError(s);
    s.updated_at = Now();
    if (s.pause) ROSTER_RETURN_IF_ERROR(ClosePause(s.id, s.updated_at, "stop"));
    s.status = "stopped";
    s.status_reason = reason.value_or("stopped");
    s.activity.reset();
    ROSTER_RETURN_IF_ERROR(SaveSession(s, false));
    return Resolve(s.id);
  });
}

Status Registry::Remove(const std::string& session) {
  auto r = Write<bool>([&]() -> Result<bool> {
    auto s = Resolve(session);
    if (!s.ok()) return s.status();
    auto& q = Stmt("DELETE FROM sessions WHERE id = ?1");
    q.bind(1, s->id);
    q.exec();
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace roster::store

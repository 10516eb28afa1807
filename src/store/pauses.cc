// pauses.cc — pause and resume (with the pause history) and reaping sessions
// whose process is gone.
#include "core/summary.h"
#include "store/registry_txn.h"
#include "store/rows.h"
#include "store/validate.h"

namespace roster::store {

Status Registry::ClosePause(const std::string& id, int64_t now, const char* ended_by) {
  auto& q = Stmt(
      "UPDATE pauses SET resumed_at = ?2, ended_by = ?3 WHERE session_id = ?1 AND resumed_at IS "
      "NULL");
  q.bind(1, id);
  q.bind(2, now);
  q.bind(3, ended_by);
  q.exec();
  return Status::Ok();
}

Result<std::vector<LogEntry>> Registry::LatestLogs(const std::string& id, int limit) {
  auto& q = Stmt(
      "SELECT seq, epoch, ts, kind, body FROM log_entries WHERE session_id = ?1 "
      "ORDER BY seq DESC LIMIT ?2");
  q.bind(1, id);
  q.bind(2, limit);
  std::vector<LogEntry> out;
  while (q.executeStep()) out.push_back(ReadLogEntry(q));
  std::reverse(out.begin(), out.end());
  return out;
}

Result<PauseResult> Registry::Pause(const std::string& session,
                                    const std::optional<std::string>& note,
                                    const std::optional<std::string>& pane_summary) {
  return Write<PauseResult>([&]() -> Result<PauseResult> {
    if (note) ROSTER_RETURN_IF_ERROR(CheckText("note", *note, options_.max_meta_bytes, true));
    auto r = Resolve(session);
    if (!r.ok()) return r.status();
    Session& s = r.value();
    if (s.status == "stopped") return StoppedError(s);
    if (s.status == "paused") {
      return Status::InvalidState("session " + s.name + " is already paused (since " +
                                  std::to_string(s.pause ? s.pause->paused_at : 0) + ")");
    }
    // The summary is where the agent was, whether or not the operator left a
    // note: the two are kept side by side.
    std::string summary;
    if (pane_summary) {
      summary = TruncateUtf8(*pane_summary, options_.summary_chars);
    } else {
      auto logs = LatestLogs(s.id, options_.summary_entries);
      if (!logs.ok()) return logs.status();
      summary = BuildPauseSummary(*logs, options_.summary_chars);
    }
    const int64_t now = Now();
    // An open pause on a session that is not paused can only be a leftover of
    // an outside write (a shell's UPDATE of status): it ended with the session.
    if (s.pause) ROSTER_RETURN_IF_ERROR(ClosePause(s.id, now, "stop"));
    auto& q = Stmt(
        "INSERT INTO pauses (session_id, paused_at, summary, note, host) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    q.bind(1, s.id);
    q.bind(2, now);
    q.bind(3, summary);
    BindOpt(q, 4, note);
    BindOpt(q, 5, s.host);
    q.exec();
    s.status = "paused";
    s.status_reason.reset();
    s.updated_at = now;
    ROSTER_RETURN_IF_ERROR(SaveSession(s, false));
    return PauseResult{s.id, summary, now};
  });
}

Result<Session> Registry::Resume(const std::string& session) {
  return Write<Session>([&]() -> Result<Session> {
    auto r = Resolve(session);
    if (!r.ok()) return r.status();
    Session& s = r.value();
    if (s.status != "paused") {
      return Status::InvalidState("session " + s.name + " is not paused (status " + s.status +
                                  "); only a paused session can be resumed");
    }
    const int64_t now = Now();
    ROSTER_RETURN_IF_ERROR(ClosePause(s.id, now, "resume"));
    s.status = "active";
    s.grace_until.reset();
    s.status_reason.reset();
    s.updated_at = s.last_seen = now;
    ROSTER_RETURN_IF_ERROR(SaveSession(s, false));
    return Resolve(s.id);
  });
}

Result<std::vector<roster::Pause>> Registry::Pauses(const std::string& session) {
  return Read<std::vector<roster::Pause>>([&]() -> Result<std::vector<roster::Pause>> {
    auto r = Resolve(session);
    if (!r.ok()) return r.status();
    auto& q = Stmt(
        "SELECT paused_at, resumed_at, summary, note, ended_by, host FROM pauses "
        "WHERE session_id = ?1 ORDER BY paused_at, id");
    q.bind(1, r->id);
    std::vector<roster::Pause> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), OptInt(q, 1), q.getColumn(2).getString(),
                     OptText(q, 3), OptText(q, 4), OptText(q, 5)});
    }
    return out;
  });
}

Result<std::vector<Registry::Reapable>> Registry::FindReapable() {
  auto all = Read<std::vector<Reapable>>([&]() -> Result<std::vector<Reapable>> {
    // Another host's processes and tmux sessions are not this machine's to
    // ask about: only its stopped sessions are taken. With a host agent no
    // host is: the sessions its agent reported exited are taken instead.
    auto& q = Stmt(
        "SELECT id, name, status, pid, pid_start, tmux_session, host FROM sessions "
        "WHERE status = 'stopped' OR (?2 AND status IN ('active', 'idle', 'stale') AND host = ?1) "
        "OR (NOT ?2 AND status = 'stale' AND status_reason = 'process_exited') ORDER BY name");
    q.bind(1, options_.host);
    q.bind(2, static_cast<int64_t>(!options_.host_agent));
    std::vector<Reapable> rows;
    while (q.executeStep()) {
      rows.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                      q.getColumn(2).getString(), OptInt(q, 3), OptInt(q, 4), OptText(q, 5),
                      OptText(q, 6)});
    }
    return rows;
  });
  if (!all.ok()) return all.status();
  // Probed after the read transaction ended: a tmux process may take seconds.
  std::optional<std::optional<std::set<std::string>>> tmux;  // asked at most once
  std::vector<Reapable> gone;
  for (auto& c : *all) {
    bool dead = false;
    if (c.status == "stopped" || options_.host_agent) {
      dead = true;
    } else if (c.tmux) {
      if (!tmux) tmux = options_.probe->TmuxSessions();
      dead = tmux->has_value() && !(*tmux)->count(*c.tmux);  // unknown -> keep
    } else if (c.pid) {
      auto start = options_.probe->StartTime(*c.pid);
      dead = !start || (c.pid_start && *start != *c.pid_start);
    }
    if (dead) gone.push_back(std::move(c));
  }
  return gone;
}

Result<ReapResult> Registry::ReapFound(const std::vector<Reapable>& found) {
  return Write<ReapResult>([&]() -> Result<ReapResult> {
    auto& del = Stmt(
        "DELETE FROM sessions WHERE id = ?1 AND status = ?2 AND pid IS ?3 AND pid_start IS ?4 "
        "AND tmux_session IS ?5 AND host IS ?6");
    ReapResult result;
    for (const auto& c : found) {
      del.reset();
      del.bind(1, c.id);
      del.bind(2, c.status);
      BindOpt(del, 3, c.pid);
      BindOpt(del, 4, c.pid_start);
      BindOpt(del, 5, c.tmux);
      BindOpt(del, 6, c.host);
      if (del.exec() == 0) continue;  // it changed since it was probed
      result.reaped++;
      result.stopped += c.status == "stopped" ? 1 : 0;
      result.sessions.push_back(c.name);
    }
    return result;
  });
}

Result<ReapResult> Registry::Reap() {
  auto found = FindReapable();
  if (!found.ok()) return found.status();
  return ReapFound(*found);
}

}  // namespace roster::store

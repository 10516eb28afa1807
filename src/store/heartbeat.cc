// heartbeat.cc — "still here" from a session: last_seen moves (not a change
// in the feed), and optionally its status, activity or meta (changes).
//
// The answer says what a hook needs to know in the same round trip: the
// session's status and, when it is paused, the operator's open pause.
#include "core/merge_patch.h"
#include "store/registry_txn.h"
#include "store/rows.h"
#include "store/validate.h"

namespace roster::store {

std::optional<HeartbeatResult> Registry::TouchLive(const std::string& id,
                                                   const std::optional<std::string>& activity) {
  // Not UPDATE ... RETURNING: SQLite 3.40 buffers RETURNING rows in a
  // temporary table, which costs more than the SELECT it would save. With an
  // activity, only a session already in it (and in the status it implies) is
  // touched here: anything else is a change, made by the general path.
  auto& touch = Stmt(
      "UPDATE sessions SET last_seen = ?2 WHERE id = ?1 AND status IN ('active', 'idle') "
      "AND (?3 IS NULL OR (status = ?4 AND activity = ?3))");
  const int64_t now = Now();
  touch.bind(1, id);
  touch.bind(2, now);
  BindOpt(touch, 3, activity);
  if (activity) touch.bind(4, StatusForActivity(*activity));
  // The row and the feed's head, read right after in one statement: one
  // round trip for both statements on an engine that pays one per statement.
  auto& row = Stmt(
      "SELECT status, pid, ttl_ms, grace_until, "
      "(SELECT seq FROM sqlite_sequence WHERE name = 'changes') FROM sessions WHERE id = ?1");
  row.bind(1, id);
  conn_->Prefetch(row);
  if (touch.exec() != 1) return std::nullopt;
  if (!row.executeStep()) return std::nullopt;  // cannot happen: the row was just updated
  HeartbeatResult r{
      id,  row.getColumn(0).getString(),
      now, Session::ExpiresAt(OptInt(row, 1), now, row.getColumn(2).getInt64(), OptInt(row, 3)),
      0,   std::nullopt};
  r.rev = row.isColumnNull(4) ? 0 : row.getColumn(4).getInt64();
  row.reset();
  return r;
}

// Most heartbeats only say "still here" for a live session named by its id
// (and a hook's repeat the activity the session is already in): TouchLive does
// those without reading and decoding the whole row first (that read was a
// fifth of the writer's time at depth 16; in-process, a plain heartbeat drops
// from 45,100 to 41,500 instructions of SQLite).
//
// A paused session stays paused whatever the heartbeat says: an explicit
// status is refused (invalid_state), an activity is recorded (the operator
// sees whether the paused agent has stopped), and the answer carries the
// pause so the agent's hook can tell it to wait.
Result<HeartbeatResult> Registry::Heartbeat(const HeartbeatParams& p) {
  return Write<HeartbeatResult>([&]() -> Result<HeartbeatResult> {
    if (!p.status && !p.meta) {
      if (auto touched = TouchLive(p.session, p.activity)) return *std::move(touched);
    }
    if (p.status) ROSTER_RETURN_IF_ERROR(CheckLiveStatus(*p.status));
    if (p.activity) ROSTER_RETURN_IF_ERROR(CheckActivity(*p.activity));
    if (p.meta) {
      ROSTER_RETURN_IF_ERROR(
          CheckJsonSize("meta", json::serialize(*p.meta), options_.max_meta_bytes));
    }
    auto r = Resolve(p.session);
    if (!r.ok()) return r.status();
    Session& s = r.value();
    if (s.status == "stopped") return StoppedError(s);
    if (s.status == "paused" && p.status) return PausedError(s);
    const int64_t now = Now();
    std::optional<std::string> want = p.status;
    if (!want && p.activity) want = StatusForActivity(*p.activity);
    bool changed = false;
    if (s.status != "paused" && (s.status == "stale" || (want && *want != s.status))) {
      s.status = want.value_or("active");
      s.status_reason.reset();
      changed = true;
    }
    if (p.activity && s.activity != p.activity) {
      s.activity = p.activity;
      changed = true;
    }
    if (p.meta) ApplyMergePatch(s.meta, *p.meta);
    s.last_seen = now;
    if (changed || p.meta) s.updated_at = now;
    PrefetchLastRev();  // read with the update below
    if (changed) {
      ROSTER_RETURN_IF_ERROR(SaveSession(s, p.meta.has_value()));
    } else if (p.meta) {  // meta only: leave name, root and status (and their indexes) alone
      auto& q =
          Stmt("UPDATE sessions SET last_seen = ?2, updated_at = ?2, meta = ?3 WHERE id = ?1");
      q.bind(1, s.id);
      q.bind(2, now);
      q.bind(3, json::serialize(s.meta));
      q.exec();
    } else {  // last_seen only (named by name, or paused): moves no index entry
      auto& q = Stmt("UPDATE sessions SET last_seen = ?2 WHERE id = ?1");
      q.bind(1, s.id);
      q.bind(2, now);
      q.exec();
    }
    return HeartbeatResult{s.id, s.status, s.last_seen, s.expires_at(), LastRev(), s.pause};
  });
}

}  // namespace roster::store

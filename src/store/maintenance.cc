// maintenance.cc — what the cleanup strand runs: expiry (TTL and dead
// processes), branches, purging old stale/stopped sessions, trimming logs,
// compacting the change feed, and the restart grace. Each call touches at most `batch` rows so
// writers never wait long behind it.
#include "store/registry_txn.h"
#include "store/rows.h"

namespace roster::store {

// The due sessions are the first `batch` of sessions_expiry_check: the expired
// ones among them leave it (they turn stale), so the re-check that follows
// takes exactly the rest of them. INDEXED BY, because without statistics the
// planner prefers sessions_status_updated for `status IN (...)` and then reads
// every live session: with 100,000 of them, 16-27 ms per sweep when none is
// due (the sweep of schema 4 did exactly that, every second). Sessions with a
// pid are not in the index: their process, not a TTL, ends them. A session's
// expiry is max(last_seen + ttl_ms, grace_until). The index leads with the
// host: each rosterd sweeps its own host's sessions (?3), whose hooks talk to
// it; another host's are that host's rosterd's to judge, and while it is
// down they are unreachable, not expired.
#define ROSTER_DUE_SESSIONS                                                                    \
  "SELECT id FROM sessions INDEXED BY sessions_expiry_check "                                  \
  "WHERE status IN ('active', 'idle') AND pid IS NULL AND host = ?3 AND expiry_check_at < ?1 " \
  "ORDER BY expiry_check_at LIMIT ?2"
#define ROSTER_EXPIRY "max(last_seen + ttl_ms, coalesce(grace_until, 0))"

Result<Registry::ExpiryPass> Registry::ExpireSessions(const std::string& host, int64_t batch) {
  return Write<ExpiryPass>([&]() -> Result<ExpiryPass> {
    const int64_t now = Now();
    auto& expire = Stmt(
        "UPDATE sessions SET status = 'stale', status_reason = 'ttl', activity = NULL, "
        "updated_at = ?1 WHERE id IN (" ROSTER_DUE_SESSIONS ") AND " ROSTER_EXPIRY " < ?1");
    expire.bind(1, now);
    expire.bind(2, batch);
    expire.bind(3, host);
    ExpiryPass pass;
    pass.expired = expire.exec();
    auto& recheck = Stmt("UPDATE sessions SET expiry_check_at = " ROSTER_EXPIRY
                         " WHERE id IN (" ROSTER_DUE_SESSIONS ")");
    recheck.bind(1, now);
    recheck.bind(2, batch - pass.expired);
    recheck.bind(3, host);
    pass.checked = pass.expired + recheck.exec();
    return pass;
  });
}

// The probing runs after the read transaction (a /proc read per session).
Result<std::vector<Registry::DeadProcess>> Registry::FindDeadProcesses(std::string* cursor,
                                                                       int64_t batch) {
  auto recorded = HostProcesses(options_.host, cursor, batch);
  if (!recorded.ok()) return recorded.status();
  return GoneProcesses(*options_.probe, *recorded);
}

Result<std::vector<RecordedProcess>> Registry::HostProcesses(const std::string& host,
                                                             std::string* cursor, int64_t batch) {
  return Read<std::vector<RecordedProcess>>([&]() -> Result<std::vector<RecordedProcess>> {
    auto& q = Stmt(
        "SELECT id, pid, pid_start FROM sessions INDEXED BY sessions_pid_probe "
        "WHERE status IN ('active', 'idle') AND pid IS NOT NULL AND host = ?3 AND id > ?1 "
        "ORDER BY id LIMIT ?2");
    q.bind(1, *cursor);
    q.bind(2, batch);
    q.bind(3, host);
    std::vector<RecordedProcess> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), OptInt(q, 2)});
    }
    // Wrap around next time.
    *cursor = static_cast<int64_t>(out.size()) < batch ? std::string() : out.back().id;
    return out;
  });
}

Result<int64_t> Registry::MarkProcessesExited(const std::string& host,
                                              const std::vector<DeadProcess>& dead) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& mark = Stmt(
        "UPDATE sessions SET status = 'stale', status_reason = 'process_exited', "
        "activity = NULL, updated_at = ?4 WHERE id = ?1 AND pid = ?2 AND pid_start IS ?3 "
        "AND status IN ('active', 'idle') AND host = ?5");
    int64_t marked = 0;
    for (const auto& d : dead) {
      mark.reset();
      mark.bind(1, d.id);
      mark.bind(2, d.pid);
      if (d.pid_start) {
        mark.bind(3, *d.pid_start);
      } else {
        mark.bind(3);
      }
      mark.bind(4, Now());
      mark.bind(5, host);
      marked += mark.exec();
    }
    return marked;
  });
}

Result<int64_t> Registry::SetPidStarts(const std::string& host,
                                       const std::vector<RecordedProcess>& found) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& set = Stmt(
        "UPDATE sessions SET pid_start = ?3 WHERE id = ?1 AND pid = ?2 AND pid_start IS NULL "
        "AND status IN ('active', 'idle') AND host = ?4");
    int64_t n = 0;
    for (const auto& p : found) {
      if (!p.pid_start) continue;
      set.reset();
      set.bind(1, p.id);
      set.bind(2, p.pid);
      set.bind(3, *p.pid_start);
      set.bind(4, host);
      n += set.exec();
    }
    return n;
  });
}

Result<std::vector<Registry::SessionRoot>> Registry::SessionRoots(const std::string& host,
                                                                  std::string* cursor,
                                                                  int64_t batch) {
  return Read<std::vector<SessionRoot>>([&]() -> Result<std::vector<SessionRoot>> {
    auto& q = Stmt(
        "SELECT id, root, branch FROM sessions WHERE id > ?1 "
        "AND status IN ('active', 'idle', 'paused') AND root <> '' AND host = ?3 "
        "ORDER BY id LIMIT ?2");
    q.bind(1, *cursor);
    q.bind(2, batch);
    q.bind(3, host);
    std::vector<SessionRoot> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), OptText(q, 2)});
    }
    *cursor = static_cast<int64_t>(out.size()) < batch ? std::string() : out.back().id;
    return out;
  });
}

Result<int64_t> Registry::SetBranches(const std::string& host,
                                      const std::vector<BranchChange>& changes) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& set = Stmt(
        "UPDATE sessions SET branch = ?3, updated_at = ?4 WHERE id = ?1 AND branch IS ?2 "
        "AND status IN ('active', 'idle', 'paused') AND host = ?5");
    int64_t n = 0;
    for (const auto& c : changes) {
      set.reset();
      set.bind(1, c.id);
      BindOpt(set, 2, c.from);
      BindOpt(set, 3, c.to);
      set.bind(4, Now());
      set.bind(5, host);
      n += set.exec();
    }
    return n;
  });
}

Result<int64_t> Registry::PurgeSessions(int64_t retention_ms, int64_t batch) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& q = Stmt(
        "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
        "WHERE status IN ('stale', 'stopped') AND updated_at < ?1 LIMIT ?2)");
    q.bind(1, Now() - retention_ms);
    q.bind(2, batch);
    return static_cast<int64_t>(q.exec());
  });
}

Result<int64_t> Registry::TrimLogs(int64_t retention_ms, int64_t max_rows, int64_t batch) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& old = Stmt(
        "DELETE FROM log_entries WHERE id IN (SELECT l.id FROM log_entries AS l "
        "WHERE l.ts < ?1 AND l.seq < (SELECT max(m.seq) FROM log_entries AS m "
        "WHERE m.session_id = l.session_id) LIMIT ?2)");
    old.bind(1, Now() - retention_ms);
    old.bind(2, batch);
    const int64_t aged = old.exec();
    if (aged >= batch) return aged;
    // Then the oldest entries beyond the newest max_rows (ids grow with
    // time), again keeping each session's newest.
    auto& over = Stmt(
        "DELETE FROM log_entries WHERE id IN (SELECT l.id FROM log_entries AS l "
        "WHERE l.id <= (SELECT id FROM log_entries ORDER BY id DESC LIMIT 1 OFFSET ?1) "
        "AND l.seq < (SELECT max(m.seq) FROM log_entries AS m "
        "WHERE m.session_id = l.session_id) ORDER BY l.id LIMIT ?2)");
    over.bind(1, max_rows);
    over.bind(2, batch - aged);
    return aged + over.exec();
  });
}

Result<int64_t> Registry::CompactChanges(int64_t retention_ms, int64_t max_rows, int64_t batch) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    // Compaction removes a prefix of the feed: everything up to a cutoff rev.
    // The time cutoff looks only at the oldest `batch` rows (the prefix ends
    // at the first row young enough to keep), so a step never scans the feed.
    auto& cut = Stmt(
        "WITH head AS (SELECT rev, ts FROM changes ORDER BY rev LIMIT ?3) "
        "SELECT max(coalesce((SELECT min(rev) FROM head WHERE ts >= ?1) - 1, "
        "(SELECT max(rev) FROM head), 0), ?2)");
    cut.bind(1, Now() - retention_ms);
    cut.bind(2, LastRev() - max_rows);
    cut.bind(3, batch);
    cut.executeStep();
    const int64_t cutoff = cut.getColumn(0).getInt64();
    cut.reset();
    auto& del = Stmt(
        "DELETE FROM changes WHERE rev IN (SELECT rev FROM changes WHERE rev <= ?1 "
        "ORDER BY rev LIMIT ?2)");
    del.bind(1, cutoff);
    del.bind(2, batch);
    const int64_t removed = del.exec();
    if (removed > 0) {
      auto& horizon = Stmt(
          "INSERT INTO meta (key, value) VALUES ('compacted_rev', "
          "CAST(coalesce((SELECT min(rev) FROM changes), ?1 + 1) - 1 AS TEXT)) "
          "ON CONFLICT (key) DO UPDATE SET value = "
          "CAST(max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)");
      horizon.bind(1, LastRev());
      horizon.exec();
    }
    return removed;
  });
}

// The grace lives in its own column (last_seen keeps the last real contact),
// which the feed trigger does not watch: granting it writes no feed rows.
// Sessions with a pid need none: their process, probed at once, decides.
// Only this host's: its rosterd was down, not another's. INDEXED BY, because
// the planner takes sessions_expiry_check (it leads with host), whose key
// this very update moves, so SQLite collects the rows first and then
// updates: 167 ms instead of 113 ms over 100,000 sessions.
Result<int64_t> Registry::GrantRestartGrace(const std::string& host) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& q = Stmt(
        "UPDATE sessions INDEXED BY sessions_status_updated "
        "SET grace_until = ?1 + ttl_ms, expiry_check_at = ?1 + ttl_ms "
        "WHERE status IN ('active', 'idle') AND pid IS NULL AND host = ?2");
    q.bind(1, Now());
    q.bind(2, host);
    return static_cast<int64_t>(q.exec());
  });
}

}  // namespace roster::store

// hosts.cc — which machine each per-machine fact belongs to: claiming rows
// that have no host, this host's heartbeat in `hosts`, and whether another
// host is unreachable (docs/architecture.md, Hosts).
#include "store/registry_txn.h"
#include "store/rows.h"

namespace roster::store {

bool Registry::HostUnreachable(const std::optional<std::string>& host) {
  if (!host || *host == options_.host) return false;  // the common case, without a query
  auto& q = Stmt("SELECT " ROSTER_UNREACHABLE("?1", "?2", "?3"));
  q.bind(1, *host);
  q.bind(2, options_.host);
  q.bind(3, Now() - options_.host_timeout_ms);
  const bool unreachable = q.executeStep() && q.getColumn(0).getString() == "true";
  q.tryReset();
  return unreachable;
}

// A claimed session, pause or team is a feed change (its row JSON gains the
// host), once.
Result<int64_t> Registry::ClaimUnowned() {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto claim = [&](const char* sql) {
      auto& q = Stmt(sql);
      q.bind(1, options_.host);
      return static_cast<int64_t>(q.exec());
    };
    // Through the partial *_unclaimed indexes: nothing to read when nothing
    // is unclaimed (every cleanup round asks).
    const int64_t sessions = claim(
        "UPDATE sessions SET host = ?1 WHERE id IN "
        "(SELECT id FROM sessions INDEXED BY sessions_unclaimed WHERE host IS NULL)");
    claim(
        "UPDATE pauses SET host = ?1 WHERE id IN "
        "(SELECT id FROM pauses INDEXED BY pauses_unclaimed WHERE host IS NULL)");
    claim(
        "UPDATE teams SET host = ?1 WHERE rowid IN "
        "(SELECT rowid FROM teams INDEXED BY teams_unclaimed WHERE host IS NULL)");
    return sessions;
  });
}

Status Registry::RecordHostStart(const std::string& host, const std::string& hostname) {
  auto r = Write<bool>([&]() -> Result<bool> {
    auto& q = Stmt(
        "INSERT INTO hosts (host, hostname, started_at, last_seen) VALUES (?1, ?2, ?3, ?3) "
        "ON CONFLICT (host) DO UPDATE SET hostname = ?2, started_at = ?3, last_seen = ?3");
    q.bind(1, host);
    q.bind(2, hostname);
    q.bind(3, Now());
    q.exec();
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

// An upsert, so that a row deleted under a running rosterd comes back.
Status Registry::RecordHostHeartbeat(const std::string& host) {
  auto r = Write<bool>([&]() -> Result<bool> {
    auto& q = Stmt(
        "INSERT INTO hosts (host, started_at, last_seen) VALUES (?1, ?2, ?2) "
        "ON CONFLICT (host) DO UPDATE SET last_seen = max(last_seen, ?2)");
    q.bind(1, host);
    q.bind(2, Now());
    q.exec();
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<Registry::HostInfo>> Registry::Hosts() {
  return Read<std::vector<HostInfo>>([&]() -> Result<std::vector<HostInfo>> {
    // Only the hosts table: what sessions name would take a scan of them
    // all (status must stay cheap with 100,000 sessions).
    // (`o`: ROSTER_UNREACHABLE's subquery names its own table `h`.)
    auto& q = Stmt("SELECT o.host, o.hostname, o.started_at, o.last_seen, " ROSTER_UNREACHABLE(
        "o.host", "?1", "?2") " FROM hosts AS o ORDER BY o.host");
    q.bind(1, options_.host);
    q.bind(2, Now() - options_.host_timeout_ms);
    std::vector<HostInfo> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                     q.getColumn(2).getInt64(), q.getColumn(3).getInt64(),
                     q.getColumn(4).getString() == "true"});
    }
    return out;
  });
}

}  // namespace roster::store

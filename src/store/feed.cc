// feed.cc — reading the change feed: pages of `changes`, consistent snapshots
// of current rows (through the feed_* views, which build the same row JSON as
// the triggers), counts for `status`, and the data_version probe.
#include <array>

#include "core/entities.h"
#include "store/feed_identity.h"
#include "store/registry_txn.h"
#include "store/rows.h"

namespace roster::store {
namespace {

Change ReadChange(Statement& q) {
  return Change{q.getColumn(0).getInt64(),  q.getColumn(1).getInt64(),  q.getColumn(2).getString(),
                q.getColumn(3).getString(), q.getColumn(4).getString(), OptText(q, 5),
                q.getColumn(6).getString()};
}

// The snapshot query of each entity, in kEntities order: its feed view's
// rows (a session filter keeps that session's), in the entity's order. Built
// once, since the statement cache is keyed by the text's address.
const char* SnapshotSql(const Entity& e) {
  static const auto kSql = [] {
    std::array<std::string, kEntities.size()> sql;
    for (size_t i = 0; i < kEntities.size(); ++i) {
      const Entity& entity = *kEntities[i];
      std::string& q = sql[i];
      q = "SELECT 0, 0, entity, 'snapshot', key, session_id, data FROM ";
      q += entity.view;
      q += " WHERE ?1 IS NULL OR session_id = ?1";
      switch (entity.order) {
        case SnapshotOrder::kKey:
          q += " ORDER BY key";
          break;
        case SnapshotOrder::kNumericKey:
          q += " ORDER BY CAST(key AS INTEGER)";
          break;
        case SnapshotOrder::kStored:
          break;
      }
    }
    return sql;
  }();
  for (size_t i = 0; i < kEntities.size(); ++i) {
    if (kEntities[i] == &e) return kSql[i].c_str();
  }
  return nullptr;  // not reached: every Entity is in kEntities
}

}  // namespace

Result<std::vector<Change>> Registry::ReadChanges(int64_t after, int64_t limit) {
  return Read<std::vector<Change>>([&]() -> Result<std::vector<Change>> {
    auto& q = Stmt(
        "SELECT rev, ts, entity, op, key, session_id, data FROM changes WHERE rev > ?1 "
        "ORDER BY rev LIMIT ?2");
    q.bind(1, after);
    q.bind(2, limit);
    std::vector<Change> out;
    while (q.executeStep()) out.push_back(ReadChange(q));
    return out;
  });
}

Result<Registry::FeedPage> Registry::ReadFeed(int64_t after, int64_t limit) {
  return Read<FeedPage>([&]() -> Result<FeedPage> {
    FeedPage page;
    auto rows = ReadChanges(after, limit);
    if (!rows.ok()) return rows.status();
    page.rows = std::move(rows).value();
    const FeedIdentity id = IdentityFromRow(Stmt(kFeedIdentitySql));
    page.last_rev = id.head;
    page.oldest_rev = id.oldest_rev;
    page.feed_id = id.feed_id;
    return page;
  });
}

Result<Registry::Snapshot> Registry::ReadSnapshot(const std::vector<std::string>& entities,
                                                  const std::optional<std::string>& session_id) {
  std::vector<const Entity*> wanted;
  for (const auto& name : entities) {
    const Entity* e = FindEntity(name);
    if (!e) return Status::InvalidParams("unknown entity '" + name + "'");
    wanted.push_back(e);
  }
  if (entities.empty()) {
    for (const Entity* e : kEntities) {
      if (e->in_default_snapshot) wanted.push_back(e);
    }
  }
  return Read<Snapshot>([&]() -> Result<Snapshot> {
    Snapshot snap;
    const FeedIdentity id = IdentityFromRow(Stmt(kFeedIdentitySql));
    snap.rev = id.head;
    snap.oldest_rev = id.oldest_rev;
    snap.feed_id = id.feed_id;
    for (const Entity* e : wanted) {
      auto& q = Stmt(SnapshotSql(*e));
      BindOpt(q, 1, session_id);
      while (q.executeStep()) {
        snap.rows.push_back(ReadChange(q));
        snap.rows.back().rev = snap.rev;
      }
    }
    return snap;
  });
}

Result<StoreCounts> Registry::Counts() {
  return Read<StoreCounts>([&]() -> Result<StoreCounts> {
    StoreCounts c;
    const FeedIdentity id = IdentityFromRow(Stmt(kFeedIdentitySql));
    c.rev = id.head;
    c.oldest_rev = id.oldest_rev;
    c.feed_id = id.feed_id;
    auto& q = Stmt(
        "SELECT (SELECT coalesce(sum(n), 0) FROM session_counts), "
        "(SELECT coalesce(sum(n), 0) FROM session_counts WHERE status IN ('active', 'idle', "
        "'paused')), "
        "(SELECT count(*) FROM teams), (SELECT count(*) FROM log_entries)");
    q.executeStep();
    c.sessions = q.getColumn(0).getInt64();
    c.live_sessions = q.getColumn(1).getInt64();
    c.teams = q.getColumn(2).getInt64();
    c.log_entries = q.getColumn(3).getInt64();
    return c;
  });
}

Result<int64_t> Registry::CurrentRev() {
  return Read<int64_t>([&]() -> Result<int64_t> { return LastRev(); });
}

}  // namespace roster::store

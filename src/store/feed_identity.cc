// feed_identity.cc — the feed's identity in `meta` (see feed_identity.h), and
// the Registry's run bookkeeping built on it.
#include "store/feed_identity.h"

#include <algorithm>

#include "core/uuid.h"
#include "store/registry_txn.h"

namespace roster::store {

const char* const kFeedIdentitySql =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0), "
    "(SELECT min(rev) FROM changes), "
    "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'compacted_rev'), 0), "
    "coalesce((SELECT value FROM meta WHERE key = 'feed_id'), ''), "
    "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rev_reserved'), 0)";

FeedIdentity IdentityFromRow(Statement& q) {
  FeedIdentity id;
  if (!q.executeStep()) return id;
  id.head = q.getColumn(0).getInt64();
  id.horizon = q.getColumn(2).getInt64();
  const int64_t oldest_row = q.isColumnNull(1) ? id.head + 1 : q.getColumn(1).getInt64();
  id.oldest_rev = std::max(oldest_row, id.horizon + 1);
  id.feed_id = q.getColumn(3).getString();
  id.reserved = q.getColumn(4).getInt64();
  return id;
}

FeedIdentity ReadFeedIdentity(Database& db) {
  auto q = db.Prepare(kFeedIdentitySql);
  return IdentityFromRow(*q);
}

namespace {

void PutMeta(Database& db, const char* key, const std::string& value) {
  auto q = db.Prepare(
      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  q->bind(1, key);
  q->bind(2, value);
  q->exec();
}

}  // namespace

FeedIdentity StartIncarnation(Database& db, int64_t floor) {
  const FeedIdentity before = ReadFeedIdentity(db);
  // max(rev) too: a row inserted with an explicit rev does not move the sequence.
  const int64_t max_row = db.QueryInt("SELECT coalesce(max(rev), 0) FROM changes");
  const int64_t c = std::max({floor, before.floor(), max_row}) + 1;
  auto seq = db.Prepare("UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'changes'");
  seq->bind(1, c);
  if (seq->exec() == 0) {
    auto add = db.Prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('changes', ?1)");
    add->bind(1, c);
    add->exec();
  }
  PutMeta(db, "compacted_rev", std::to_string(c));
  PutMeta(db, "rev_reserved", std::to_string(c));
  PutMeta(db, "feed_id", NewUuidV4());
  return ReadFeedIdentity(db);
}

void EnsureFeedId(Database& db) {
  auto q = db.Prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('feed_id', ?1)");
  q->bind(1, NewUuidV4());
  q->exec();
}

void ReserveRevs(Database& db, int64_t upto) {
  auto q = db.Prepare(
      "INSERT INTO meta (key, value) VALUES ('rev_reserved', CAST(?1 AS TEXT)) "
      "ON CONFLICT (key) DO UPDATE SET value = "
      "CAST(max(CAST(value AS INTEGER), ?1) AS TEXT)");
  q->bind(1, upto);
  q->exec();
}

std::string OpenRun(Database& db) {
  return db.QueryText("SELECT value FROM meta WHERE key = 'open_run'");
}

void SetOpenRun(Database& db, const std::string& mode) {
  if (mode.empty()) {
    db.Exec("DELETE FROM meta WHERE key = 'open_run'");
    return;
  }
  PutMeta(db, "open_run", mode);
}

}  // namespace roster::store

// ---------------------------------------------------------------- Registry

namespace roster::store {

Result<FeedIdentity> Registry::ReadIdentity() {
  return Read<FeedIdentity>(
      [&]() -> Result<FeedIdentity> { return IdentityFromRow(Stmt(kFeedIdentitySql)); });
}

Result<Registry::RunStart> Registry::BeginRun(bool sync_normal, int64_t reserve) {
  auto start = Write<RunStart>([&]() -> Result<RunStart> {
    RunStart r;
    if (OpenRun(*conn_) == "normal") {
      StartIncarnation(*conn_, 0);
      r.new_incarnation = true;
    }
    EnsureFeedId(*conn_);
    SetOpenRun(*conn_, sync_normal ? "normal" : "");
    r.identity = ReadFeedIdentity(*conn_);
    store::ReserveRevs(*conn_, r.identity.floor() + reserve);
    r.identity.reserved = r.identity.floor() + reserve;
    return r;
  });
  if (!start.ok()) return start;
  ROSTER_RETURN_IF_ERROR(MakeCommitsDurable());
  return start;
}

Status Registry::EndRun() {
  auto r = Write<bool>([&]() -> Result<bool> {
    SetOpenRun(*conn_, "");
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

Status Registry::ReserveRevs(int64_t upto) {
  auto r = Write<bool>([&]() -> Result<bool> {
    store::ReserveRevs(*conn_, upto);
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

Status Registry::MakeCommitsDurable() { return conn_->SyncCommits(); }

}  // namespace roster::store

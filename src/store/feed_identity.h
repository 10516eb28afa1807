// feed_identity.h — the change feed's identity and its rev high-water mark,
// kept in the `meta` table:
//
//   feed_id        the feed incarnation's id (a UUID v4). It changes whenever
//                  history may have been rewritten; a client that remembers
//                  it can tell that a rev it holds belongs to another history.
//   compacted_rev  the horizon: revs at or below it are not served (a watch
//                  from there gets `compacted`). Compaction and a new
//                  incarnation only ever raise it.
//   rev_reserved   the high-water mark: the daemon never publishes a rev above
//                  the value that was durable on disk before that rev became
//                  visible (see RevReservation in the daemon, and
//                  docs/architecture.md). So after any crash no rev ever
//                  handed out lies above FeedFloor().
//   open_run       "normal" while a daemon serves with sync normal, written
//                  durably at its start and removed at its clean stop: found
//                  at a start, it means that run stopped uncleanly and may
//                  have lost commits whose revs clients saw.
//
// A new incarnation (restore, import into an existing database, a start after
// an unclean sync-normal stop) gets a new feed_id, and the horizon, the next
// rev's predecessor and the reservation all move to C = floor + 1, where
// floor is the highest rev that may have been handed out: every old rev is
// compacted, and no new rev can equal one a client may hold.
//
// These functions run on any store Database inside the caller's transaction
// and throw DbError (the Registry, restore and import catch it at the store's
// boundary).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/sql.h"

namespace roster::store {

struct FeedIdentity {
  std::string feed_id;     // "" if the database never had one
  int64_t head = 0;        // last rev handed out by the sequence (0 if none)
  int64_t horizon = 0;     // compacted_rev
  int64_t oldest_rev = 0;  // oldest rev served: max(oldest row, horizon + 1)
  int64_t reserved = 0;    // rev_reserved
  // The highest rev that may have been handed out by this database.
  int64_t floor() const { return std::max(head, reserved); }
};

// One query for the whole identity (its columns are read by IdentityFromRow).
extern const char* const kFeedIdentitySql;
FeedIdentity IdentityFromRow(Statement& q);

// REQUIRES: a transaction is open on `db`.
FeedIdentity ReadFeedIdentity(Database& db);

// REQUIRES: a write transaction. Starts a new incarnation past both `floor`
// and the database's own floor; returns the new identity.
FeedIdentity StartIncarnation(Database& db, int64_t floor);

// REQUIRES: a write transaction. Gives the feed an id if it has none.
void EnsureFeedId(Database& db);

// REQUIRES: a write transaction. rev_reserved = max(rev_reserved, upto).
void ReserveRevs(Database& db, int64_t upto);

// REQUIRES: a transaction. open_run's value ("" if none).
std::string OpenRun(Database& db);
// REQUIRES: a write transaction. Sets open_run, or removes it when empty.
void SetOpenRun(Database& db, const std::string& mode);

}  // namespace roster::store

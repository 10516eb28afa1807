// rev_reservation.h — keeps the feed's rev high-water mark (meta.rev_reserved,
// store/feed_identity.h) ahead of every rev the writer hands out, so that after
// any crash — in sync normal too, where the last commits may be lost — the
// next start knows a floor above every rev a client may have seen.
//
// The promise: a batch's replies and events (its revs) are published only
// when a reservation at or above its last rev is durable on disk. Revs are
// reserved in chunks: when fewer than half a chunk is left, the writer raises
// the reservation to last rev + kChunk inside the batch's own transaction.
//  - sync full: that COMMIT is fsync'd, so the raise is durable at once.
//  - sync normal: the raised value becomes durable at the next fsync of the
//    log, which a reader thread does at once (off the writer: an fsync of a
//    busy log took 18-146 ms, and on the writer it stalled every write). The
//    writer goes on under the old, durable reservation meanwhile — half a
//    chunk of revs, far more than the fsync takes. Only a batch whose revs
//    pass every durable reservation (a batch of more than half a chunk of
//    changes, or a flush that did not finish in time) flushes the log itself,
//    after its COMMIT and before anything of it is published.
//
// Thread-safety: BeforeCommit/AfterCommit on the writer thread only; the
// flush runs through `flush_elsewhere` and only raises durable_ (atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "store/registry.h"
#include "util/status.h"

namespace roster::daemon {

class RevReservation {
 public:
  // Revs reserved per raise: a new incarnation after an unclean sync-normal
  // stop starts at most this far past the last rev handed out.
  static constexpr int64_t kChunk = 1'000'000;

  // Runs a function on another thread with that thread's Registry.
  using Elsewhere = std::function<void(std::function<void(store::Registry&)>)>;

  // `reserved` is durable (BeginRun made it so).
  RevReservation(int64_t reserved, bool sync_normal, Elsewhere flush_elsewhere)
      : committed_(reserved),
        durable_(reserved),
        sync_normal_(sync_normal),
        flush_elsewhere_(std::move(flush_elsewhere)) {}

  // REQUIRES: inside the batch's transaction, whose changes end at `last_rev`.
  // Raises the reservation when less than half a chunk is left; an error
  // fails the batch (its revs are never published).
  Status BeforeCommit(store::Registry& registry, int64_t last_rev);
  // After the batch's COMMIT (or its failure), before it is published: makes
  // sure its revs are covered by a durable reservation.
  void AfterCommit(store::Registry& registry, bool committed);

  int64_t durable() const { return durable_.load(); }

 private:
  void RaiseDurable(int64_t to);

  int64_t committed_;             // in the file (writer thread)
  std::atomic<int64_t> durable_;  // on disk
  int64_t raising_to_ = 0;        // raised in the open batch
  bool flush_now_ = false;        // the open batch's revs pass durable_
  std::atomic<bool> flushing_{false};
  const bool sync_normal_;
  Elsewhere flush_elsewhere_;
};

}  // namespace roster::daemon

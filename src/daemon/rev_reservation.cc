// rev_reservation.cc — raising and flushing the rev high-water mark.
#include "daemon/rev_reservation.h"

#include "util/log.h"

namespace roster::daemon {

Status RevReservation::BeforeCommit(store::Registry& registry, int64_t last_rev) {
  raising_to_ = 0;
  flush_now_ = last_rev > durable_.load();
  if (last_rev + kChunk / 2 <= committed_) return Status::Ok();
  const int64_t to = last_rev + kChunk;
  if (Status s = registry.ReserveRevs(to); !s.ok()) {
    return Status(s.code(), "could not reserve feed revs: " + s.message());
  }
  raising_to_ = to;
  return Status::Ok();
}

void RevReservation::RaiseDurable(int64_t to) {
  int64_t seen = durable_.load();
  while (seen < to && !durable_.compare_exchange_weak(seen, to)) {
  }
}

void RevReservation::AfterCommit(store::Registry& registry, bool committed) {
  if (!committed) return;  // nothing of the batch exists, nothing is published
  if (raising_to_ > 0) committed_ = raising_to_;
  if (!sync_normal_) {  // the COMMIT was fsync'd
    RaiseDurable(committed_);
    return;
  }
  if (flush_now_) {
    // Before anything of this batch is published.
    if (Status s = registry.MakeCommitsDurable(); !s.ok()) {
      LogError("could not flush the rev reservation: " + s.message() +
               "; the next start begins a new feed incarnation anyway");
      return;
    }
    RaiseDurable(committed_);
    return;
  }
  if (committed_ > durable_.load() && !flushing_.exchange(true)) {
    const int64_t to = committed_;  // committed before the flush starts
    flush_elsewhere_([this, to](store::Registry& other) {
      if (Status s = other.MakeCommitsDurable(); s.ok()) {
        RaiseDurable(to);
      } else {
        LogWarn("could not flush the rev reservation: " + s.message());
      }
      flushing_ = false;
    });
  }
}

}  // namespace roster::daemon

// publisher.h — hands committed `changes` rows to the io thread in rev order,
// as contiguous FeedBatches. Two threads publish:
//  - the writer, for its own batches: it reads the new rows inside the
//    batch's write transaction, just before COMMIT (CollectInBatch), and
//    posts them with the batch's replies once the COMMIT succeeded
//    (PublishCollected) — so a batch costs no second, read-only transaction;
//  - the notifier, when the engine's change token shows someone else
//    committed (DrainAndPost, through its own Registry).
// A mutex orders them: each post carries only changes above the last
// published rev and is made before the lock is released, so batches reach
// the io thread contiguous and no change is posted twice (the notifier may
// publish a writer batch's rows between its COMMIT and PublishCollected).
// When the rows read do not follow the last published rev and the feed's
// horizon moved past it (another process started a new incarnation), the
// first batch says so (FeedBatch::new_feed_id).
//
// Thread-safety: DrainAndPost from any thread; CollectInBatch and
// PublishCollected from the writer thread only.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/feed_batch.h"
#include "store/registry.h"

namespace roster::daemon {

class FeedPublisher {
 public:
  // `post` runs a function on the io thread; `publish` is what runs there
  // for each batch (Hub::Publish).
  FeedPublisher(int64_t start_rev, std::function<void(std::function<void()>)> post,
                std::function<void(const FeedBatch&)> publish);

  // Reads every unpublished change through `registry` and posts one function
  // that publishes them and then runs `then` (may be empty).
  void DrainAndPost(store::Registry& registry, std::function<void()> then);

  // REQUIRES: `registry` (the writer's) is inside its batch transaction.
  // Reads every change above the last published rev: the batch's own rows
  // and any outside commit not published yet. Kept until PublishCollected.
  void CollectInBatch(store::Registry& registry);

  // After the batch: if it committed, posts what CollectInBatch read (less
  // anything published meanwhile), then `then`; if not, drops it (those rows
  // never existed) and posts only `then`.
  void PublishCollected(bool committed, std::function<void()> then);

  // The last rev CollectInBatch read (0 if none): the batch's head.
  int64_t collected_last_rev() const;

 private:
  using Page = std::vector<Change>;
  struct Pages {
    std::vector<Page> pages;
    std::optional<store::FeedIdentity> reset;  // a new incarnation past `after`
  };

  // Reads the changes above `after`, a page at a time. A failed read keeps
  // the pages before it: the rest is picked up by the next drain.
  static Pages ReadAbove(store::Registry& registry, int64_t after);
  // REQUIRES: mu_ held. Posts `read`'s changes (those above published_rev_
  // only, in rev order) and `then` in one function; advances published_rev_.
  void PostLocked(Pages read, std::function<void()> then);

  std::mutex mu_;
  int64_t published_rev_;
  Pages collected_;  // writer thread only
  std::function<void(std::function<void()>)> post_;
  std::function<void(const FeedBatch&)> publish_;
};

}  // namespace roster::daemon

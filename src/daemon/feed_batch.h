// feed_batch.h — the unit in which committed changes travel from the
// FeedPublisher (writer and notifier threads) to the Hub (io thread): a
// contiguous slice of the feed, immutable once posted.
//
// Ownership: the changes and their event tails are shared, read-only, by
// every subscriber that holds the batch (a live subscriber queues references
// into `tails`; one catching up keeps whole batches to replay), so a batch is
// never copied per watcher. Safe to read from any thread once posted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/types.h"

namespace roster::daemon {

// A contiguous slice of the feed: every change with from_rev < rev <= to_rev.
struct FeedBatch {
  int64_t from_rev = 0;
  int64_t to_rev = 0;
  std::shared_ptr<const std::vector<Change>> changes;
  // EventTail of each change; made by Hub::Publish when it has subscribers.
  std::shared_ptr<const std::vector<std::string>> tails;
  // Set when the feed started a new incarnation (a restore or an import by
  // another process) since the batch before: from_rev is then its horizon,
  // and every watcher positioned before it is closed as compacted.
  std::string new_feed_id;
};

}  // namespace roster::daemon

// hub.h — the hub: fans the feed's batches out to every subscriber (watch),
// on the io thread, in the order the FeedPublisher posts them (contiguous,
// rev order; see publisher.h).
//
// It never waits for a subscriber: each applies the delivery rule itself
// (subscriber.h) and catches up from disk through the hub's FeedReader when
// it falls behind, so one slow watcher never delays the others. It builds
// the event tail of each change of a batch once, and only when someone
// watches, so a batch costs one string per change, not one per watcher.
//
// Ownership: the hub holds every open subscriber for fan-out; a connection's
// WatchSet (watch_set.h) holds its own, and is what lets one go. A
// subscriber leaves the hub when it closes (Close, a refused start) or its
// connection lets it go.
//
// Thread-safety: io thread only.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/feed_batch.h"
#include "daemon/feed_reader.h"
#include "daemon/subscriber.h"

namespace roster::daemon {

class Hub {
 public:
  // `max_queue` bounds each subscriber's queue (subscriber_queue).
  Hub(FeedReader& reader, size_t max_subscribers, size_t max_queue);

  // A new subscriber writing to `sink`, not started yet (Subscriber::Begin);
  // limit_exceeded when max_subscribers are already watching.
  Result<std::shared_ptr<Subscriber>> Add(WatchFilter filter, std::weak_ptr<LineSink> sink);
  void Remove(int64_t watch_id);
  // Hands `batch` to every subscriber. A batch that starts a new incarnation
  // (new_feed_id) first closes every subscriber as compacted.
  void Publish(const FeedBatch& batch);
  // The last rev published: where a live watch starts.
  int64_t published_rev() const { return published_rev_; }
  void set_published_rev(int64_t rev) { published_rev_ = rev; }
  // Has every live, idle subscriber that sent nothing since the last tick
  // send watch.progress.
  void ProgressTick();
  // Closes every subscriber with watch.error `reason` (see Subscriber::Close).
  void CloseAll(const std::string& reason, const std::string& message,
                std::optional<int64_t> oldest_rev = std::nullopt);
  // Each subscriber's state and counters, for status.
  boost::json::array Stats() const;

  FeedReader& reader() { return reader_; }

 private:
  FeedReader& reader_;
  const size_t max_subscribers_;
  const size_t max_queue_;
  std::map<int64_t, std::shared_ptr<Subscriber>> subs_;
  int64_t next_id_ = 1;
  int64_t published_rev_ = 0;
};

}  // namespace roster::daemon

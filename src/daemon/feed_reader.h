// feed_reader.h — how watches read the durable feed: a page of `changes`
// after a rev (a watch resuming, or catching up after it missed live
// batches) and a snapshot of the current rows (a watch that starts with
// one). Each read also reports the feed's facts — head, horizon, feed_id —
// as of that read.
//
// The hub and its subscribers live on the io thread, where nothing may
// touch the database: a FeedReader runs the read elsewhere and calls `done`
// back on the io thread, never inside the call. PoolFeedReader is the
// daemon's (the reader pool); tests give the hub a fake.
#pragma once

#include <cstdint>
#include <functional>

#include "daemon/readers.h"
#include "daemon/watch_event.h"
#include "store/registry.h"

namespace roster::daemon {

class FeedReader {
 public:
  using FeedPage = store::Registry::FeedPage;
  using Snapshot = store::Registry::Snapshot;

  virtual ~FeedReader() = default;
  // Up to `limit` changes with rev > `after`, in rev order.
  virtual void ReadFeed(int64_t after, int64_t limit,
                        std::function<void(Result<FeedPage>)> done) = 0;
  // The current rows `filter` selects by entity and session (not by key).
  virtual void ReadSnapshot(const WatchFilter& filter,
                            std::function<void(Result<Snapshot>)> done) = 0;
};

// Reads on the reader pool's threads.
class PoolFeedReader : public FeedReader {
 public:
  // `post` runs a function on the io thread.
  PoolFeedReader(ReaderPool& readers, std::function<void(std::function<void()>)> post);

  void ReadFeed(int64_t after, int64_t limit, std::function<void(Result<FeedPage>)> done) override;
  void ReadSnapshot(const WatchFilter& filter, std::function<void(Result<Snapshot>)> done) override;

 private:
  ReaderPool& readers_;
  const std::function<void(std::function<void()>)> post_;
};

}  // namespace roster::daemon

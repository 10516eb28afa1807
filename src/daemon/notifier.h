// notifier.h — the change-notification loop: a thread with its own read
// connection that publishes every committed `changes` row, in rev order, in
// contiguous batches (from_rev, to_rev].
//
// It wakes after each of the writer's commits (Wake) and also polls
// PRAGMA data_version every poll interval, which changes when any other
// connection commits — a sqlite3 shell, an import — so outside writes are
// published too. It reads bounded pages and ends each read transaction before
// publishing, so it never holds a snapshot open while subscribers are slow.
//
// Thread-safety: Wake/Stop from any thread; `publish` runs on the notifier thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/types.h"
#include "store/registry.h"

namespace roster::daemon {

// A contiguous slice of the feed: every change with from_rev < rev <= to_rev.
struct FeedBatch {
  int64_t from_rev = 0;
  int64_t to_rev = 0;
  std::shared_ptr<const std::vector<Change>> changes;
};

class Notifier {
 public:
  Notifier(std::unique_ptr<store::Registry> registry, int64_t start_rev, int64_t poll_ms,
           std::function<void(FeedBatch)> publish);
  ~Notifier();  // Stop()s

  void Start();
  void Wake();
  void Stop();

 private:
  void Loop();
  void Drain();

  std::unique_ptr<store::Registry> registry_;
  int64_t published_rev_;
  const int64_t poll_ms_;
  std::function<void(FeedBatch)> publish_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace roster::daemon

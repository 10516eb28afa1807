// publisher.h — hands committed `changes` rows to the io thread in rev order,
// as contiguous FeedBatches. Two threads publish: the writer right after each
// of its commits (reading the rows it just wrote on its own connection, so
// the reply and the events leave in one hand-off), and the notifier when
// PRAGMA data_version shows another process committed. A mutex orders them:
// each publish reads everything above the last published rev and posts it
// before releasing the lock, so batches reach the io thread contiguous.
#pragma once

#include <functional>
#include <mutex>

#include "daemon/notifier.h"
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

 private:
  std::mutex mu_;
  int64_t published_rev_;
  std::function<void(std::function<void()>)> post_;
  std::function<void(const FeedBatch&)> publish_;
};

}  // namespace roster::daemon

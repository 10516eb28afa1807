// feed_reader.cc — the watches' reads of the durable feed, on the reader
// pool (see feed_reader.h).
#include "daemon/feed_reader.h"

#include <memory>

namespace roster::daemon {

PoolFeedReader::PoolFeedReader(ReaderPool& readers, std::function<void(std::function<void()>)> post)
    : readers_(readers), post_(std::move(post)) {}

void PoolFeedReader::ReadFeed(int64_t after, int64_t limit,
                              std::function<void(Result<FeedPage>)> done) {
  readers_.Submit([this, after, limit, done = std::move(done)](store::Registry& reg) {
    auto page = std::make_shared<Result<FeedPage>>(reg.ReadFeed(after, limit));
    post_([done, page] { done(std::move(*page)); });
  });
}

void PoolFeedReader::ReadSnapshot(const WatchFilter& filter,
                                  std::function<void(Result<Snapshot>)> done) {
  std::vector<std::string> entities(filter.entities.begin(), filter.entities.end());
  readers_.Submit(
      [this, entities, session = filter.session_id, done = std::move(done)](store::Registry& reg) {
        auto snap = std::make_shared<Result<Snapshot>>(reg.ReadSnapshot(entities, session));
        post_([done, snap] { done(std::move(*snap)); });
      });
}

}  // namespace roster::daemon

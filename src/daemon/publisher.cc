// publisher.cc — ordered publication of the change feed.
#include "daemon/publisher.h"

#include <algorithm>

#include "util/log.h"

namespace roster::daemon {

namespace {
constexpr int64_t kPage = 2000;  // changes per read
}

FeedPublisher::FeedPublisher(int64_t start_rev, std::function<void(std::function<void()>)> post,
                             std::function<void(const FeedBatch&)> publish)
    : published_rev_(start_rev), post_(std::move(post)), publish_(std::move(publish)) {}

FeedPublisher::Pages FeedPublisher::ReadAbove(store::Registry& registry, int64_t after) {
  Pages read;
  for (;;) {
    auto page = registry.ReadChanges(after, kPage);
    if (!page.ok()) {
      LogWarn("could not read the change feed: " + page.status().ToString());
      break;
    }
    if (page->empty()) break;
    if (read.pages.empty() && page->front().rev > after + 1) {
      // A gap: a new incarnation if the horizon moved past `after`.
      auto id = registry.ReadIdentity();
      if (id.ok() && id->horizon > after) read.reset = std::move(id).value();
    }
    const bool full = static_cast<int64_t>(page->size()) == kPage;
    after = page->back().rev;
    read.pages.push_back(std::move(page).value());
    if (!full) break;
  }
  return read;
}

void FeedPublisher::DrainAndPost(store::Registry& registry, std::function<void()> then) {
  std::lock_guard lock(mu_);
  PostLocked(ReadAbove(registry, published_rev_), std::move(then));
}

void FeedPublisher::CollectInBatch(store::Registry& registry) {
  int64_t after;
  {
    std::lock_guard lock(mu_);
    after = published_rev_;
  }
  collected_ = ReadAbove(registry, after);
}

int64_t FeedPublisher::collected_last_rev() const {
  return collected_.pages.empty() ? 0 : collected_.pages.back().back().rev;
}

void FeedPublisher::PublishCollected(bool committed, std::function<void()> then) {
  Pages read;
  std::swap(read, collected_);
  if (!committed) read = {};
  std::lock_guard lock(mu_);
  PostLocked(std::move(read), std::move(then));
}

void FeedPublisher::PostLocked(Pages read, std::function<void()> then) {
  std::vector<FeedBatch> batches;
  std::string new_feed_id;
  if (read.reset && read.reset->horizon > published_rev_) {
    published_rev_ = read.reset->horizon;
    new_feed_id = read.reset->feed_id;
  }
  for (auto& page : read.pages) {
    auto fresh = std::find_if(page.begin(), page.end(),
                              [&](const Change& c) { return c.rev > published_rev_; });
    page.erase(page.begin(), fresh);
    if (page.empty()) continue;
    // The event text (tails) is left to the io thread's hub, which makes it
    // only when someone watches: not on the writer, the busiest thread.
    FeedBatch b{published_rev_, page.back().rev,
                std::make_shared<const std::vector<Change>>(std::move(page)), nullptr,
                std::move(new_feed_id)};
    new_feed_id.clear();
    published_rev_ = b.to_rev;
    batches.push_back(std::move(b));
  }
  if (batches.empty() && !then) return;
  post_([publish = publish_, batches = std::move(batches), then = std::move(then)] {
    for (const auto& b : batches) publish(b);
    if (then) then();
  });
}

}  // namespace roster::daemon

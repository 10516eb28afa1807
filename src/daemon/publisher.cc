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

std::vector<FeedPublisher::Page> FeedPublisher::ReadAbove(store::Registry& registry,
                                                          int64_t after) {
  std::vector<Page> pages;
  for (;;) {
    auto page = registry.ReadChanges(after, kPage);
    if (!page.ok()) {
      LogWarn("could not read the change feed: " + page.status().ToString());
      break;
    }
    if (page->empty()) break;
    const bool full = static_cast<int64_t>(page->size()) == kPage;
    after = page->back().rev;
    pages.push_back(std::move(page).value());
    if (!full) break;
  }
  return pages;
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

void FeedPublisher::PublishCollected(bool committed, std::function<void()> then) {
  std::vector<Page> pages;
  pages.swap(collected_);
  if (!committed) pages.clear();
  std::lock_guard lock(mu_);
  PostLocked(std::move(pages), std::move(then));
}

void FeedPublisher::PostLocked(std::vector<Page> pages, std::function<void()> then) {
  std::vector<FeedBatch> batches;
  for (auto& page : pages) {
    auto fresh = std::find_if(page.begin(), page.end(),
                              [&](const Change& c) { return c.rev > published_rev_; });
    page.erase(page.begin(), fresh);
    if (page.empty()) continue;
    // The event text (tails) is left to the io thread's hub, which makes it
    // only when someone watches: not on the writer, the busiest thread.
    FeedBatch b{published_rev_, page.back().rev,
                std::make_shared<const std::vector<Change>>(std::move(page)), nullptr};
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

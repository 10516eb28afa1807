// publisher.cc — ordered publication of the change feed.
#include "daemon/publisher.h"

#include "daemon/watch.h"
#include "util/log.h"

namespace roster::daemon {

namespace {
constexpr int64_t kPage = 2000;  // changes per read
}

FeedPublisher::FeedPublisher(int64_t start_rev, std::function<void(std::function<void()>)> post,
                             std::function<void(const FeedBatch&)> publish)
    : published_rev_(start_rev), post_(std::move(post)), publish_(std::move(publish)) {}

void FeedPublisher::DrainAndPost(store::Registry& registry, std::function<void()> then) {
  std::lock_guard lock(mu_);
  std::vector<FeedBatch> batches;
  for (;;) {
    auto page = registry.ReadChanges(published_rev_, kPage);
    if (!page.ok()) {
      LogWarn("could not read the change feed: " + page.status().ToString());
      break;
    }
    if (page->empty()) break;
    const bool full = static_cast<int64_t>(page->size()) == kPage;
    auto tails = std::make_shared<std::vector<std::string>>();
    tails->reserve(page->size());
    for (const auto& c : *page) tails->push_back(EventTail(c));
    FeedBatch b{published_rev_, page->back().rev,
                std::make_shared<const std::vector<Change>>(std::move(page).value()),
                std::move(tails)};
    published_rev_ = b.to_rev;
    batches.push_back(std::move(b));
    if (!full) break;
  }
  if (batches.empty() && !then) return;
  post_([publish = publish_, batches = std::move(batches), then = std::move(then)] {
    for (const auto& b : batches) publish(b);
    if (then) then();
  });
}

}  // namespace roster::daemon

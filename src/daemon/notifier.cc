// notifier.cc — the change-notification loop.
#include "daemon/notifier.h"

#include "util/log.h"

namespace roster::daemon {

namespace {
constexpr int64_t kPage = 2000;  // changes per read transaction
}

Notifier::Notifier(std::unique_ptr<store::Registry> registry, int64_t start_rev, int64_t poll_ms,
                   std::function<void(FeedBatch)> publish)
    : registry_(std::move(registry)),
      published_rev_(start_rev),
      poll_ms_(poll_ms),
      publish_(std::move(publish)) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() { thread_ = std::thread([this] { Loop(); }); }

void Notifier::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void Notifier::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Loop() {
  int64_t seen_version = -1;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_), [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    auto version = registry_->DataVersion();
    if (version.ok() && *version == seen_version) continue;  // nobody committed
    if (version.ok()) seen_version = *version;
    Drain();
  }
}

void Notifier::Drain() {
  for (;;) {
    auto page = registry_->ReadChanges(published_rev_, kPage);
    if (!page.ok()) {
      LogWarn("notifier could not read the feed: " + page.status().ToString());
      return;
    }
    if (page->empty()) return;
    const bool full = static_cast<int64_t>(page->size()) == kPage;
    FeedBatch batch{published_rev_, page->back().rev,
                    std::make_shared<const std::vector<Change>>(std::move(page).value())};
    published_rev_ = batch.to_rev;
    publish_(std::move(batch));
    if (!full) return;
  }
}

}  // namespace roster::daemon

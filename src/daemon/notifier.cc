// notifier.cc — the data_version poll for outside writes.
#include "daemon/notifier.h"

#include "daemon/publisher.h"
#include "util/thread_name.h"

namespace roster::daemon {

Notifier::Notifier(std::unique_ptr<store::Registry> registry, int64_t poll_ms,
                   FeedPublisher& publisher)
    : registry_(std::move(registry)), poll_ms_(poll_ms), publisher_(publisher) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  thread_ = std::thread([this] { Loop(); });
  NameThread(thread_, "roster-notify");
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
      if (cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_), [&] { return stopping_; }))
        return;
    }
    auto version = registry_->DataVersion();
    if (!version.ok() || *version == seen_version) continue;  // nobody else committed
    seen_version = *version;
    publisher_.DrainAndPost(*registry_, {});
  }
}

}  // namespace roster::daemon

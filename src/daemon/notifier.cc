// notifier.cc — the change-token poll for commits made outside the writer.
#include "daemon/notifier.h"

#include "daemon/publisher.h"

namespace roster::daemon {

Notifier::Notifier(store::Engine& engine, std::unique_ptr<store::Registry> registry,
                   int64_t poll_ms, FeedPublisher& publisher)
    : engine_(engine), registry_(std::move(registry)), poll_ms_(poll_ms), publisher_(publisher) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  thread_.Start("roster-notify", [this] { Loop(); });
}

void Notifier::Stop() {
  stop_.Close();
  thread_.Join();
}

void Notifier::Loop() {
  int64_t seen = -1;
  while (!stop_.WaitClosed(std::chrono::milliseconds(poll_ms_))) {
    auto token = engine_.ChangeToken(*registry_);
    if (!token.ok() || *token == seen) continue;  // nobody else committed
    seen = *token;
    publisher_.DrainAndPost(*registry_, {});
  }
}

}  // namespace roster::daemon

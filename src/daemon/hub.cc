// hub.cc — fan-out of the feed's batches to the subscribers (see hub.h).
#include "daemon/hub.h"

#include <vector>

namespace roster::daemon {

namespace json = boost::json;

Hub::Hub(FeedReader& reader, size_t max_subscribers, size_t max_queue)
    : reader_(reader), max_subscribers_(max_subscribers), max_queue_(max_queue) {}

Result<std::shared_ptr<Subscriber>> Hub::Add(WatchFilter filter, std::weak_ptr<LineSink> sink) {
  if (subs_.size() >= max_subscribers_) {
    return Status::LimitExceeded("already " + std::to_string(max_subscribers_) +
                                 " watches (max_subscribers); close some first");
  }
  int64_t id = next_id_++;
  auto sub = std::make_shared<Subscriber>(id, std::move(filter), max_queue_, this, std::move(sink));
  subs_[id] = sub;
  return sub;
}

void Hub::Remove(int64_t watch_id) { subs_.erase(watch_id); }

void Hub::Publish(const FeedBatch& batch) {
  if (!batch.new_feed_id.empty()) {
    // History may have been rewritten: no watcher's position means anything
    // in the new incarnation.
    CloseAll("compacted",
             "the feed started a new incarnation (feed " + batch.new_feed_id + ") after rev " +
                 std::to_string(batch.from_rev) +
                 " (a restore or an import): history may have been rewritten; resume from a "
                 "snapshot",
             batch.from_rev + 1);
  }
  published_rev_ = std::max(published_rev_, batch.to_rev);
  if (subs_.empty()) return;
  auto tails = std::make_shared<std::vector<std::string>>();
  tails->reserve(batch.changes->size());
  for (const auto& c : *batch.changes) tails->push_back(EventTail(c));
  FeedBatch b = batch;
  b.tails = std::move(tails);
  std::vector<std::shared_ptr<Subscriber>> subs;
  subs.reserve(subs_.size());
  for (auto& [id, s] : subs_) subs.push_back(s);
  for (auto& s : subs) s->OnBatch(b);
}

void Hub::ProgressTick() {
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (auto& [id, s] : subs_) subs.push_back(s);
  for (auto& s : subs) s->MaybeProgress();
}

void Hub::CloseAll(const std::string& reason, const std::string& message,
                   std::optional<int64_t> oldest_rev) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (auto& [id, s] : subs_) subs.push_back(s);
  for (auto& s : subs) s->Close(reason, message, oldest_rev);
  subs_.clear();
}

json::array Hub::Stats() const {
  json::array out;
  for (const auto& [id, s] : subs_) out.push_back(s->Stats());
  return out;
}

}  // namespace roster::daemon

// watch.cc — subscribers (live delivery, catch-up from disk, snapshots) and
// the hub. See watch.h for the delivery rule.
#include "daemon/watch.h"

#include "daemon/jsonrpc.h"

namespace roster::daemon {

namespace json = boost::json;

namespace {
constexpr int64_t kCatchupPage = 1000;
using jsonrpc::Notification;
}  // namespace

bool WatchFilter::Matches(const Change& c) const {
  if (!entities.empty() && !entities.count(c.entity)) return false;
  if (session_id && c.session_id != session_id) return false;
  if (key && c.key != *key) return false;
  return true;
}

std::string EventTail(const Change& c) {
  // `data` is JSON text the store's triggers wrote: spliced in as is.
  std::string tail = R"(,"rev":)";
  tail += std::to_string(c.rev) + R"(,"ts":)" + std::to_string(c.ts) + R"(,"entity":)" +
          json::serialize(json::string(c.entity)) + R"(,"op":)" +
          json::serialize(json::string(c.op)) + R"(,"key":)" +
          json::serialize(json::string(c.key)) + R"(,"data":)" +
          (c.data.empty() ? "null" : c.data) + "}}";
  return tail;
}

static std::string EventPrefix(int64_t watch_id) {
  return jsonrpc::NotificationPrefix("watch.event") + R"({"watch_id":)" + std::to_string(watch_id);
}

std::string EventLine(int64_t watch_id, std::string_view tail) {
  std::string line = EventPrefix(watch_id);
  line += tail;
  return line;
}

Subscriber::Subscriber(int64_t id, WatchFilter filter, size_t max_queue, Hub* hub,
                       std::weak_ptr<LineSink> sink)
    : id_(id),
      filter_(std::move(filter)),
      max_queue_(max_queue),
      hub_(hub),
      sink_(std::move(sink)),
      event_prefix_(EventPrefix(id)) {}

void Subscriber::Begin(Start how, int64_t since, std::optional<std::string> feed_id,
                       Started started) {
  auto self = shared_from_this();
  started_ = std::move(started);
  if (how == Start::kSnapshot) {
    hub_->ReadSnapshot(filter_, [self, feed_id](Result<store::Registry::Snapshot> snap) {
      self->OnSnapshot(feed_id, std::move(snap));
    });
    return;
  }
  // A live watch starts where the hub is: every batch published from now on
  // reaches this subscriber (pending until it is live), so its first event
  // is exactly the one after this rev — which is also the rev its result
  // reports, not the head a reader sees (commits reach the hub after that).
  const int64_t live_from = hub_->published_rev();
  hub_->ReadFeed(INT64_MAX, 1, [self, how, since, feed_id, live_from](auto page) {
    self->OnStartPage(how, how == Start::kLive ? live_from : since, feed_id, std::move(page));
  });
}

void Subscriber::Answer(Result<json::value> result) {
  if (!started_) return;
  Started started = std::move(started_);
  started_ = nullptr;
  started(std::move(result));
}

bool Subscriber::Refuse(const Status& why) {
  if (why.ok()) return false;
  Answer(why);
  mode_ = Mode::kClosed;
  hub_->Remove(id_);
  return true;
}

namespace {

// Why a start at `from` (kSince) or with `feed_id` cannot be served by a feed
// whose head is `head`; OK if it can. Every refusal is `compacted` (the
// client's remedy is the same: resume from a snapshot), with `cause` saying
// which case and the feed's facts beside it.
Status CheckStart(bool since, int64_t from, const std::optional<std::string>& feed_id, int64_t head,
                  int64_t oldest_rev, const std::string& current_feed) {
  auto facts = [&](Status s, const char* cause) {
    return s.With("cause", cause)
        .With("rev", head)
        .With("oldest_rev", oldest_rev)
        .With("feed_id", current_feed);
  };
  if (feed_id && *feed_id != current_feed) {
    return facts(Status::Compacted("the feed is now " + current_feed + ", not " + *feed_id +
                                   ": a restore, an import or an unclean stop under sync normal "
                                   "started a new incarnation; resume from a snapshot"),
                 "feed_changed");
  }
  if (since && from > head) {
    return facts(
        Status::Compacted("rev " + std::to_string(from) + " is ahead of the feed's head (" +
                          std::to_string(head) + ", feed " + current_feed +
                          "): this feed never handed it out; resume from a snapshot"),
        "ahead_of_head");
  }
  if (since && from < oldest_rev - 1) {
    return facts(Status::Compacted("the feed was compacted past rev " + std::to_string(from) +
                                   "; the oldest rev kept is " + std::to_string(oldest_rev) +
                                   " (resume from a snapshot)"),
                 "behind_horizon");
  }
  return Status::Ok();
}

}  // namespace

// Until its start read is back, a watch is unanswered: if it was closed
// meanwhile (Close) it was answered then; if it was detached (unwatch, or its
// connection went away) it is answered now, as started, and stays closed.
void Subscriber::OnStartPage(Start how, int64_t from, const std::optional<std::string>& feed_id,
                             Result<store::Registry::FeedPage> page) {
  if (!page.ok()) {
    Refuse(page.status());
    return;
  }
  if (Refuse(CheckStart(how == Start::kSince, from, feed_id, page->last_rev, page->oldest_rev,
                        page->feed_id))) {
    return;
  }
  Answer(json::value(json::object{{"watch_id", id_},
                                  {"rev", how == Start::kLive ? from : page->last_rev},
                                  {"oldest_rev", page->oldest_rev},
                                  {"feed_id", page->feed_id}}));
  if (mode_ == Mode::kClosed) return;
  pos_ = from;
  if (how == Start::kSince) {
    EnterCatchup();
  } else {
    GoLive();
  }
}

void Subscriber::OnSnapshot(const std::optional<std::string>& feed_id,
                            Result<store::Registry::Snapshot> snap) {
  if (!snap.ok()) {
    Refuse(snap.status());
    return;
  }
  if (Refuse(CheckStart(false, 0, feed_id, snap->rev, snap->oldest_rev, snap->feed_id))) return;
  Answer(json::value(json::object{{"watch_id", id_},
                                  {"rev", snap->rev},
                                  {"oldest_rev", snap->oldest_rev},
                                  {"feed_id", snap->feed_id}}));
  if (mode_ == Mode::kClosed) return;
  for (const auto& row : snap->rows) {
    if (filter_.key && row.key != *filter_.key) continue;
    EnqueueChange(row);
  }
  Enqueue(Notification("watch.synced", {{"watch_id", id_}, {"rev", snap->rev}}));
  pos_ = snap->rev;
  GoLive();
}

void Subscriber::GoLive() {
  mode_ = Mode::kLive;
  std::deque<FeedBatch> pending;
  pending.swap(pending_);
  pending_events_ = 0;
  for (const auto& b : pending) OnBatch(b);
  if (mode_ == Mode::kLive && pos_ < hub_->published_rev()) EnterCatchup();
  Pump();
}

void Subscriber::OnBatch(const FeedBatch& b) {
  if (mode_ == Mode::kClosed) return;
  if (mode_ != Mode::kLive) {
    pending_events_ += b.changes->size();
    if (pending_events_ > max_queue_) {  // too much to buffer: the catch-up reads it instead
      pending_.clear();
      pending_events_ = b.changes->size();
    }
    pending_.push_back(b);
    return;
  }
  if (b.to_rev <= pos_) return;
  if (b.from_rev > pos_) {
    EnterCatchup();
    return;
  }
  size_t n = 0;
  for (const auto& c : *b.changes) n += (c.rev > pos_ && filter_.Matches(c)) ? 1 : 0;
  if (queue_.size() + n > max_queue_) {
    EnterCatchup();
    return;
  }
  const auto& changes = *b.changes;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].rev > pos_ && filter_.Matches(changes[i])) EnqueueTail(b.tails, i);
  }
  pos_ = b.to_rev;
  if (auto sink = sink_.lock(); sink && n > 0) sink->SchedulePump();
}

void Subscriber::EnterCatchup() {
  ++catchups_;
  mode_ = Mode::kDraining;
  pending_.clear();
  pending_events_ = 0;
  if (queue_.empty()) ReadNextPage();
}

void Subscriber::ReadNextPage() {
  mode_ = Mode::kReading;
  auto self = shared_from_this();
  hub_->ReadFeed(pos_, kCatchupPage, [self](auto page) { self->OnPage(std::move(page)); });
}

void Subscriber::OnPage(Result<store::Registry::FeedPage> page) {
  if (mode_ == Mode::kClosed) return;
  if (!page.ok()) {
    Close("unavailable", "could not read the change feed: " + page.status().message());
    return;
  }
  if (pos_ < page->oldest_rev - 1) {
    Close("compacted",
          "this watch fell behind the compaction horizon at rev " + std::to_string(pos_) +
              "; the oldest rev kept is " + std::to_string(page->oldest_rev),
          page->oldest_rev);
    return;
  }
  for (const auto& c : page->rows) {
    if (!filter_.Matches(c)) continue;
    EnqueueChange(c);
    ++caught_up_;
  }
  const bool full = static_cast<int64_t>(page->rows.size()) == kCatchupPage;
  pos_ = full ? page->rows.back().rev : std::max(pos_, page->last_rev);
  if (!full) {
    GoLive();
    return;
  }
  mode_ = Mode::kDraining;
  if (queue_.empty()) {
    ReadNextPage();
  } else {
    Pump();
  }
}

void Subscriber::PopLineInto(std::string* out) {
  Queued& q = queue_.front();
  if (q.tails) {
    *out += event_prefix_;
    *out += (*q.tails)[q.i];
  } else {
    *out += q.line;
  }
  queue_.pop_front();
  if (mode_ == Mode::kDraining && queue_.empty()) ReadNextPage();
}

void Subscriber::MaybeProgress() {
  if (mode_ == Mode::kLive && queue_.empty() && !sent_since_progress_) {
    Enqueue(Notification("watch.progress", {{"watch_id", id_}, {"rev", pos_}}));
    Pump();
  }
  sent_since_progress_ = false;
}

void Subscriber::Close(const std::string& reason, const std::string& message,
                       std::optional<int64_t> oldest_rev) {
  if (mode_ == Mode::kClosed) return;
  if (started_) {  // not started yet: the watch request itself gets the error
    Answer(reason == "compacted" ? Status::Compacted(message) : Status::Unavailable(message));
    mode_ = Mode::kClosed;
    hub_->Remove(id_);
    return;
  }
  json::object params{{"watch_id", id_}, {"reason", reason}, {"message", message}};
  if (oldest_rev) params["oldest_rev"] = *oldest_rev;
  Enqueue(Notification("watch.error", std::move(params)));
  mode_ = Mode::kClosed;
  Pump();
  hub_->Remove(id_);
}

json::object Subscriber::Stats() const {
  static const char* kModes[] = {"starting", "live", "catching_up", "catching_up", "closed"};
  json::object o{{"watch_id", id_},
                 {"mode", kModes[static_cast<int>(mode_)]},
                 {"rev", pos_},
                 {"queued", queue_.size()},
                 {"delivered", delivered_},
                 {"caught_up", caught_up_},
                 {"catchups", catchups_}};
  if (!filter_.entities.empty()) o["entities"] = json::value_from(filter_.entities);
  if (filter_.session_id) o["session"] = *filter_.session_id;
  if (filter_.key) o["key"] = *filter_.key;
  return o;
}

void Subscriber::Enqueue(std::string line) {
  queue_.push_back({std::move(line), nullptr, 0});
  sent_since_progress_ = true;
}

void Subscriber::EnqueueChange(const Change& c) {
  Enqueue(EventLine(id_, EventTail(c)));
  ++delivered_;
}

void Subscriber::EnqueueTail(const std::shared_ptr<const std::vector<std::string>>& tails,
                             size_t i) {
  queue_.push_back({std::string(), tails, i});
  sent_since_progress_ = true;
  ++delivered_;
}

void Subscriber::Pump() {
  if (auto sink = sink_.lock()) sink->Pump();
}

// ---------------------------------------------------------------- Hub

Hub::Hub(ReaderPool& readers, std::function<void(std::function<void()>)> post,
         size_t max_subscribers, size_t max_queue)
    : readers_(readers),
      post_(std::move(post)),
      max_subscribers_(max_subscribers),
      max_queue_(max_queue) {}

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

void Hub::ReadFeed(int64_t after, int64_t limit,
                   std::function<void(Result<store::Registry::FeedPage>)> done) {
  readers_.Submit([this, after, limit, done = std::move(done)](store::Registry& reg) {
    auto page = std::make_shared<Result<store::Registry::FeedPage>>(reg.ReadFeed(after, limit));
    post_([done, page] { done(std::move(*page)); });
  });
}

void Hub::ReadSnapshot(const WatchFilter& filter,
                       std::function<void(Result<store::Registry::Snapshot>)> done) {
  std::vector<std::string> entities(filter.entities.begin(), filter.entities.end());
  readers_.Submit([this, entities, session = filter.session_id,
                   done = std::move(done)](store::Registry& reg) {
    auto snap =
        std::make_shared<Result<store::Registry::Snapshot>>(reg.ReadSnapshot(entities, session));
    post_([done, snap] { done(std::move(*snap)); });
  });
}

}  // namespace roster::daemon

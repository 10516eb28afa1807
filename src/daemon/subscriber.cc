// subscriber.cc — one watch: its start (live, since, snapshot), live
// delivery and catch-up from disk. See subscriber.h for the delivery rule.
#include "daemon/subscriber.h"

#include "daemon/hub.h"
#include "daemon/jsonrpc.h"

namespace roster::daemon {

namespace json = boost::json;

namespace {
constexpr int64_t kCatchupPage = 1000;
using jsonrpc::Notification;
}  // namespace

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
    hub_->reader().ReadSnapshot(filter_, [self, feed_id](Result<FeedReader::Snapshot> snap) {
      self->OnSnapshot(feed_id, std::move(snap));
    });
    return;
  }
  // A live watch starts where the hub is: every batch published from now on
  // reaches this subscriber (pending until it is live), so its first event
  // is exactly the one after this rev — which is also the rev its result
  // reports, not the head a reader sees (commits reach the hub after that).
  const int64_t live_from = hub_->published_rev();
  hub_->reader().ReadFeed(INT64_MAX, 1, [self, how, since, feed_id, live_from](auto page) {
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
                             Result<FeedReader::FeedPage> page) {
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
                            Result<FeedReader::Snapshot> snap) {
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
  hub_->reader().ReadFeed(pos_, kCatchupPage, [self](auto page) { self->OnPage(std::move(page)); });
}

void Subscriber::OnPage(Result<FeedReader::FeedPage> page) {
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

}  // namespace roster::daemon

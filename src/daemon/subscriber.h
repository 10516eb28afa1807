// subscriber.h — one watch: a subscriber of the change feed, fed by the hub
// (hub.h), writing its lines to its connection (a LineSink), which pulls
// them. Everything here runs on the io thread.
//
// Delivery rule: a subscriber has a position `pos` (every rev <= pos has been
// handled). A live batch (from, to] is delivered from pos on when from <= pos;
// when from > pos, something was missed and the subscriber catches up from the
// durable feed. A subscriber whose queue would exceed its bound also switches
// to catch-up: once its queue drains it reads pages of `changes` after pos
// through the hub's FeedReader, then applies the live batches that arrived in
// the meantime and is live again. So a slow subscriber never slows the writer
// or other subscribers, and still loses nothing. If the feed was compacted
// past pos it gets watch.error `compacted` with the oldest rev kept, and
// closes.
//
// Ownership: shared by the hub (fan-out), its connection's WatchSet, and
// the reads in flight for it; it holds the hub by pointer (the hub outlives
// every subscriber's use) and its connection weakly.
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/feed_batch.h"
#include "daemon/feed_reader.h"
#include "daemon/watch_event.h"

namespace roster::daemon {

// Where a subscriber's lines go: the client connection, which pulls them.
class LineSink {
 public:
  virtual ~LineSink() = default;
  // Writes what is queued now.
  virtual void Pump() = 0;
  // Pumps once the io thread is done with what it is running, so everything
  // queued meanwhile (a batch's replies, the events of every batch published
  // before then) leaves in one write. Repeated calls before then are free.
  virtual void SchedulePump() = 0;
};

class Hub;

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  enum class Start { kLive, kSince, kSnapshot };
  // Called once when the watch is established (result) or refused (error).
  using Started = std::function<void(Result<boost::json::value>)>;

  Subscriber(int64_t id, WatchFilter filter, size_t max_queue, Hub* hub,
             std::weak_ptr<LineSink> sink);

  int64_t id() const { return id_; }
  // REQUIRES: called once, right after the hub added this subscriber.
  // `since` is the rev to resume after (kSince). A `feed_id` the client
  // remembers must still be the feed's, else the watch is refused as
  // compacted. The result's `rev` is the rev the first event follows for a
  // live watch, the snapshot's rev, or the head for a watch with since.
  void Begin(Start how, int64_t since, std::optional<std::string> feed_id, Started started);
  void OnBatch(const FeedBatch& batch);
  bool HasLine() const { return !queue_.empty(); }
  // Appends the next queued line (without its newline) to *out and drops it.
  // REQUIRES: HasLine()
  void PopLineInto(std::string* out);
  // Enqueues watch.progress if live, idle and the queue is empty.
  void MaybeProgress();
  // Enqueues watch.error and stops delivering; the hub forgets it.
  void Close(const std::string& reason, const std::string& message,
             std::optional<int64_t> oldest_rev = std::nullopt);
  // Stops delivering without a message: its connection let it go (unwatch,
  // or the connection closed; WatchSet).
  // A watch not yet started is still answered, when its start read is back.
  void Detach() { mode_ = Mode::kClosed; }
  boost::json::object Stats() const;

 private:
  enum class Mode { kStarting, kLive, kDraining, kReading, kClosed };
  void EnterCatchup();
  void ReadNextPage();
  void OnPage(Result<FeedReader::FeedPage> page);
  void OnStartPage(Start how, int64_t since, const std::optional<std::string>& feed_id,
                   Result<FeedReader::FeedPage> page);
  void OnSnapshot(const std::optional<std::string>& feed_id, Result<FeedReader::Snapshot> snap);
  // Answers the watch request (once; later calls do nothing).
  void Answer(Result<boost::json::value> result);
  // Refuses (and forgets this watch) when the start cannot be served.
  bool Refuse(const Status& why);
  void GoLive();
  void Enqueue(std::string line);
  void EnqueueChange(const Change& c);
  // Queues a live event by reference to its batch's shared tails: the line
  // is only spelled out (prefix + tail) into the connection's write buffer.
  void EnqueueTail(const std::shared_ptr<const std::vector<std::string>>& tails, size_t i);
  void Pump();

  const int64_t id_;
  const WatchFilter filter_;
  const size_t max_queue_;
  Hub* hub_;
  std::weak_ptr<LineSink> sink_;
  Mode mode_ = Mode::kStarting;
  Started started_;  // until the watch request is answered
  int64_t pos_ = 0;
  // A queued line: its own text, or the i-th shared tail of a batch.
  struct Queued {
    std::string line;
    std::shared_ptr<const std::vector<std::string>> tails;
    size_t i = 0;
  };
  std::deque<Queued> queue_;
  std::string event_prefix_;       // a watch.event line up to its watch_id
  std::deque<FeedBatch> pending_;  // live batches that arrived while catching up
  size_t pending_events_ = 0;
  bool sent_since_progress_ = false;
  uint64_t delivered_ = 0, caught_up_ = 0, catchups_ = 0;
};

}  // namespace roster::daemon

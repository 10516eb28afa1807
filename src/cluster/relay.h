// relay.h — one client connection of the front (cluster/front.h) and its
// upstream connection to the primary's core. Requests are forwarded as
// they come (pipelined, batches too), and every line from the core is
// passed back; the relay reads of each request only its ids and whether it
// is `watch` or `unwatch`, and of each line from the core which request it
// answers or which watch it feeds and the rev it delivers
// (cluster/relay_line.h). From that it keeps its promises when the primary
// changes:
//
//  - A session.register or team.up (alone or in a batch) naming no `host`
//    gets this member's (config.registry.host): the core records the
//    session or team on the machine the request came from, not its own.
//    Only such a request is written anew; every other line is passed on
//    byte for byte.
//
//  - Upstream lost (end of file, an error): every request still pending is
//    answered `unavailable`, cause `unknown_outcome` (it may or may not
//    have been applied). Then the relay finds the primary again and
//    re-sends each open watch with `since` = its last delivered rev and its
//    feed_id, under the watch_id the client knows (the core's new one is
//    rewritten in every notification): no event lost, none repeated. A
//    watch still in its snapshot phase gets watch.error `compacted`.
//  - No primary (the locator knows none, or its door refuses: not_primary,
//    or it cannot be reached): a request waits for one at most
//    relay_wait_ms, then is answered `unavailable`, cause `no_primary`;
//    watches waiting that long get watch.error `unavailable`. Never hangs.
//  - The primary moved (Front::PrimaryChanged) while the upstream goes
//    elsewhere: the upstream is left as if lost, so a primary whose machine
//    died (no end of file ever comes) holds nothing.
//  - A watch.error `unavailable` from the core (it is stopping) is not
//    passed on: the watch is resumed like after a loss (at most 3 times in
//    a row without an event in between; then the error is passed on).
//  - Limits as the core's: max_line_bytes (limit_exceeded, then closed),
//    max_json_depth, request_timeout_ms, idle_timeout_ms.
//
// `status` answered through a relay lists the core's watch ids, which after
// a resume differ from the client's.
//
// Ownership: the Front holds every Relay; pending operations hold it too
// (shared_from_this). Thread-safety: io thread only.
#pragma once

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/front.h"
#include "cluster/relay_line.h"
#include "cluster/stream.h"
#include "daemon/line_buffer.h"
#include "util/status.h"

namespace roster::cluster {

class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(UnixSocket client, Front& front);
  void Start();
  // The front stops (see Front::Stop).
  void Shutdown();
  // Closes at once (a stop's grace ran out).
  void Drop() { Close(); }
  // The primary may have moved: a relay waiting for one looks now, and one
  // connected elsewhere than the locator now says leaves that upstream (as
  // if lost: its machine may be gone without a word).
  void PrimaryChanged();

 private:
  using Clock = std::chrono::steady_clock;
  // Bytes buffered for one side before reading the other pauses.
  static constexpr size_t kHighWater = 8 << 20;
  // A request (or batch) sent upstream, or waiting to be, not yet answered.
  struct Pending {
    bool batch = false;
    std::vector<boost::json::value> ids;  // of the elements that get an answer
    std::vector<std::string> keys;        // IdKey of each
  };
  using PendingIt = std::list<Pending>::iterator;
  // A line waiting for an upstream.
  struct Queued {
    std::string line;
    Clock::time_point since;
    std::optional<PendingIt> pending;
  };
  struct Watch {
    boost::json::object params;  // the client's watch params
    int64_t up_id = -1;          // the core's watch_id; -1 while it needs (re)sending
    int64_t last_rev = 0;        // last rev delivered to the client
    std::string feed_id;
    bool snapshot = false;  // still in its snapshot phase
    bool resuming = false;  // our re-sent watch awaits its answer
    int unavailable = 0;    // watch.error unavailable in a row
  };

  // The client side.
  void ReadClient();
  void OnClientLine(std::string_view line);
  // Files the request(s) of `message`; may rewrite an unwatch's watch_id
  // (then *rewritten is set). Returns the Pending entry, if any answer is due.
  // *answered is set when the relay answered the message itself.
  std::optional<PendingIt> Track(boost::json::value& message, bool* rewritten, bool* answered);
  // Files one request object; false when it was answered here (an unwatch
  // of a watch waiting to be resumed).
  bool TrackOne(boost::json::value& request, Pending* p, bool* rewritten);
  void ToClient(std::string line);
  void PumpClient();
  void ArmIdleTimer();
  void ArmRequestTimer();
  void MaybeClose();
  void Close();

  // The upstream side.
  void Send(std::string line, std::optional<PendingIt> pending);
  void PumpUpstream();
  void Connect();
  void Connected(std::shared_ptr<ByteStream> stream, std::string leftover);
  void RetryLater();
  void ReadUpstream();
  void OnUpstreamLine(std::string_view line);
  // A watch's answer: the watch is filed (its watch_id rewritten when the
  // client already holds that id).
  void OnWatchAnswer(boost::json::value& response, const std::string& key, bool* rewritten);
  void OnResumeAnswer(std::string_view line, int64_t client_id);
  void OnNotification(std::string_view line, const CoreLine& read);
  void UpstreamLost(const std::string& why);
  // Re-sends a watch from its last delivered rev. REQUIRES: up_.
  void Resume(int64_t client_id, Watch& w);
  bool WatchesWaiting() const;
  void ArmWaitTimer();
  void ExpireWaits();

  // Answers `it` with `status` (each of its ids) and forgets it.
  void AnswerPending(PendingIt it, const Status& status);
  // Ends a watch with a watch.error the client gets.
  void EndWatch(int64_t client_id, std::string_view reason, const std::string& message);
  int64_t ClientWatchId(int64_t up_id);

  Front& front_;
  const daemon::DaemonConfig& config_;
  UnixSocket client_;
  daemon::LineBuffer in_;
  std::deque<std::string> to_client_;
  size_t to_client_bytes_ = 0;
  std::string client_out_;
  bool writing_client_ = false;
  bool reading_client_ = false;
  bool client_eof_ = false;
  bool shutting_down_ = false;
  bool closed_ = false;
  asio::steady_timer idle_;
  Clock::time_point last_activity_ = Clock::now();
  asio::steady_timer request_timer_;
  bool request_timer_armed_ = false;
  std::optional<Clock::time_point> line_since_;

  std::shared_ptr<ByteStream> up_;
  Primary up_where_;     // where up_ (or the connect in progress) goes
  uint64_t up_gen_ = 0;  // a new upstream's handlers ignore an old one's
  std::unique_ptr<daemon::LineBuffer> up_in_;
  std::string up_pending_;  // bytes to send upstream
  std::string up_out_;      // bytes being sent
  bool writing_up_ = false;
  bool reading_up_ = false;
  bool connecting_ = false;
  asio::steady_timer retry_;
  asio::steady_timer wait_timer_;
  std::optional<Clock::time_point> no_primary_since_;

  std::deque<Queued> queue_;
  std::list<Pending> pending_;
  std::map<std::string, boost::json::object> pending_watch_;  // IdKey -> params
  std::map<int64_t, Watch> watches_;                          // by client watch id
  std::map<int64_t, int64_t> up_to_client_;                   // core watch_id -> client's
  std::map<std::string, int64_t> resumes_;  // our resume requests' IdKey -> client watch id
  int64_t next_resume_ = 0;
};

}  // namespace roster::cluster

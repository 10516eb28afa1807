// link.h — top's connection to rosterd: one socket that carries the watch of
// sessions and pauses and the console's requests, none of which blocks the
// console.
//
// The link starts the watch with a snapshot; after a lost connection (a
// daemon restart) it resumes `since` the last rev it saw, of the feed_id it
// saw, and takes a fresh snapshot instead when the daemon answers
// `compacted` (compacted past that rev, or another incarnation of the feed:
// a restored database, a lost commit). While the daemon is away it says why
// and tries again every half second, for as long as the console runs.
// Requests are pipelined on the same socket: each call's callback runs from
// Pump() with one result per request, or with `unavailable` if the
// connection is lost first.
//
// Nothing here waits for the daemon: the socket is read only after poll(2)
// reported it readable, and writes are a few hundred bytes (the console keeps
// at most one refresh in flight).
// Not thread-safe: the console's one thread calls everything, and callbacks
// run on it (they may call the Link again).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/client.h"
#include "ctl/top/model.h"
#include "util/status.h"

namespace roster::ctl::top {

class Link {
 public:
  enum class State { kDisconnected, kSyncing, kLive };
  struct Request {
    std::string method;
    boost::json::object params;
  };
  using Results = std::vector<Result<boost::json::value>>;
  using Done = std::function<void(Results)>;

  // The Link applies the feed to `model`, which must outlive it.
  Link(std::string socket, Model& model);
  ~Link();

  // The first connection. On failure the caller reports the Status (top
  // exits); later losses are retried by Tick().
  Status Start(int64_t now_ms);
  // Sends the requests in one line (a batch when several). `done` gets one
  // result per request, in order; at once if there is no connection.
  void Call(std::vector<Request> requests, Done done);
  // Handles what arrived (at most a few thousand messages per call; backlog()
  // says whether more is waiting). Returns true when anything may have changed.
  bool Pump(int64_t now_ms);
  bool backlog() const { return backlog_; }
  // While disconnected, tries to connect when the retry time came. Returns
  // true when the state or the problem changed.
  bool Tick(int64_t now_ms);

  int fd() const;  // the socket to poll; -1 while disconnected
  State state() const { return state_; }
  // Why it is disconnected (the last error), empty once live.
  const std::string& problem() const { return problem_; }
  // When the oldest unanswered request was sent; 0 when none is waiting.
  int64_t waiting_since() const;
  // When Tick will try again (while disconnected).
  int64_t next_attempt_ms() const { return next_attempt_ms_; }

 private:
  struct Pending;
  void Watch(bool snapshot);
  void Lost(const std::string& why);
  void Complete(const boost::json::value& response);
  bool OnNotification(const boost::json::object& note);

  const std::string socket_;
  Model& model_;
  std::unique_ptr<client::Client> client_;
  State state_ = State::kDisconnected;
  std::string problem_;
  int64_t now_ms_ = 0;  // the time given to the last Start, Pump or Tick
  int64_t next_attempt_ms_ = 0;
  int64_t next_id_ = 0;
  std::string feed_id_;       // the feed the model's rev belongs to ("" until a daemon says)
  int64_t watch_id_ = -1;     // the current watch, -1 until its reply
  int64_t abandoned_id_ = 0;  // events of this watch and older ones are stale
  bool backlog_ = false;
  // id -> (its call, the index of the request in it)
  std::map<int64_t, std::pair<std::shared_ptr<Pending>, size_t>> pending_;
};

}  // namespace roster::ctl::top

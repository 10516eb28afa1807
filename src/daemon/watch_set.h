// watch_set.h — one connection's watches, and their one owner: a watch is
// added here when it opens (watch), and leaves only through Release — by
// unwatch, by a refused start, or when the connection closes — which
// detaches it and takes it out of the hub and of this set together. A watch
// the hub closed (watch.error) stays until then, so its last lines are still
// written and unwatch still finds it.
//
// The connection pulls its watches' lines from here and asks here whether
// it may close (no line left) or idle out (no watch open).
//
// Ownership: held by the connection's ClientState (rpc.h) through a
// shared_ptr, so a watch's start, answered later, never reaches a set that
// is gone. Thread-safety: io thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/hub.h"
#include "daemon/subscriber.h"

namespace roster::daemon {

class WatchSet : public std::enable_shared_from_this<WatchSet> {
 public:
  explicit WatchSet(Hub& hub) : hub_(hub) {}
  WatchSet(const WatchSet&) = delete;
  WatchSet& operator=(const WatchSet&) = delete;

  // Opens a watch writing to `sink` and starts it (Subscriber::Begin).
  // `started` is called once: with the watch's result, or why it was refused
  // (limit_exceeded at once when max_subscribers are watching); a refused
  // watch is released.
  void Open(WatchFilter filter, Subscriber::Start how, int64_t since,
            std::optional<std::string> feed_id, std::weak_ptr<LineSink> sink,
            Subscriber::Started started);
  // unwatch: releases watch `watch_id`; not_found if this connection has none.
  Status Close(int64_t watch_id);
  // The connection is closing: releases every watch.
  void CloseAll();

  bool empty() const { return watches_.empty(); }
  // Whether any watch has a line queued.
  bool HasLine() const;
  // Appends queued lines, each with its newline, watch by watch, while *out
  // is shorter than `limit`.
  void PopLinesInto(std::string* out, size_t limit);

 private:
  using Map = std::map<int64_t, std::shared_ptr<Subscriber>>;
  // The one way out: stops delivery, leaves the hub, leaves this set.
  Map::iterator Release(Map::iterator it);

  Hub& hub_;
  Map watches_;
};

}  // namespace roster::daemon

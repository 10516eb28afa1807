// watch_event.h — what a watcher is sent: which changes it asked for
// (WatchFilter) and the watch.event line of a change.
//
// A watch.event line is the same for every watcher but for its watch_id, so
// it is built in two parts: the prefix, up to and including the watch_id,
// made once per watch; and the tail, the rest, made once per change (by the
// hub, for every watcher of a batch). A line is prefix + tail.
//
// No state: safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/types.h"

namespace roster::daemon {

struct WatchFilter {
  std::set<std::string> entities;         // empty = all
  std::optional<std::string> session_id;  // only changes of this session
  std::optional<std::string> key;         // only changes of this key
  bool Matches(const Change& c) const;
};

// `{"jsonrpc":"2.0","method":"watch.event","params":{"watch_id":<id>`.
std::string EventPrefix(int64_t watch_id);
// The rest of the line: `,"rev":…,"ts":…,"entity":…,"op":…,"key":…,"data":…}}`.
std::string EventTail(const Change& c);
std::string EventLine(int64_t watch_id, std::string_view tail);

}  // namespace roster::daemon

// watch_event.cc — the watch filter and the watch.event line (see
// watch_event.h).
#include "daemon/watch_event.h"

#include <boost/json.hpp>

#include "daemon/jsonrpc.h"

namespace roster::daemon {

namespace json = boost::json;

bool WatchFilter::Matches(const Change& c) const {
  if (!entities.empty() && !entities.count(c.entity)) return false;
  if (session_id && c.session_id != session_id) return false;
  if (key && c.key != *key) return false;
  return true;
}

std::string EventPrefix(int64_t watch_id) {
  return jsonrpc::NotificationPrefix("watch.event") + R"({"watch_id":)" + std::to_string(watch_id);
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

std::string EventLine(int64_t watch_id, std::string_view tail) {
  std::string line = EventPrefix(watch_id);
  line += tail;
  return line;
}

}  // namespace roster::daemon

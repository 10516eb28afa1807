// relay_line.h — what the front's relay (cluster/relay.h) needs to know of a
// line, without parsing more of it than it must: of a client's request, its
// ids and whether it starts or ends a watch; of a line from the core, which
// response it is (its id) or which watch a notification belongs to and the
// rev it delivers, and where that watch_id is written, so the relay can
// rewrite it in place. The core writes its lines in one shape
// (daemon/jsonrpc.h: `{"jsonrpc":"2.0","id":…` and
// `{"jsonrpc":"2.0","method":"watch.…","params":{"watch_id":N,"rev":R…`),
// which is read by scanning the prefix: a 28 MB session.list is not parsed
// to learn its id. Any other shape is parsed in full.
//
// No state: safe on any thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace roster::cluster {

// The key the relay files a request id under: its JSON text. An id the core
// would not echo (not a string, an integer or null) is answered with a null
// id, so it is filed under "null".
std::string IdKey(const boost::json::value* id);

struct CoreLine {
  enum class Kind { kResponse, kBatch, kNotification, kOther };
  Kind kind = Kind::kOther;
  std::string id_key;       // kResponse
  std::string method;       // kNotification
  int64_t watch_id = -1;    // kNotification: params.watch_id, when there is one
  int64_t rev = -1;         // kNotification: params.rev, when there is one
  size_t watch_id_at = 0;   // where watch_id's digits are in the line...
  size_t watch_id_len = 0;  // ...and how many (0: not known; rewrite by parsing)
};

CoreLine ReadCoreLine(std::string_view line);

// `line` with its notification's watch_id set to `id`.
std::string WithWatchId(std::string_view line, const CoreLine& read, int64_t id);

}  // namespace roster::cluster

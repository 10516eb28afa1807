// client.h — the JSON-RPC client of rosterd's API (docs/api.md) over one
// Connection: calls, batches, pipelined requests and the watch
// notifications that arrive between replies. Blocking and built for one-shot
// processes (hooks) first: no threads, every wait bounded — by the timeout
// for each wait, and by an overall deadline when one is set.
//
// Used by rosterctl (its commands, hook and top), the integration tests and
// roster-bench. Errors are a Status: the daemon's error with its Code
// (util/error_table.h, from data.reason) and message, or unavailable when the
// daemon is not running, not answering in time or gone.
//
// Not thread-safe, except that one thread may SendRaw while another awaits
// responses (connection.h).
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/connection.h"
#include "util/deadlines.h"
#include "util/status.h"

namespace roster::client {

class Client {
 public:
  // Connects; unavailable (naming the socket and how to start the daemon) if
  // nothing listens there or it accepts no more connections. `timeout_ms`
  // bounds each later wait for the daemon (sending a request, awaiting a
  // reply); a negative one waits for ever. The default outlasts rosterd's
  // write bound (util/deadlines.h): a write this client gave up on was not
  // committed.
  static Result<std::unique_ptr<Client>> Connect(const std::string& socket,
                                                 int timeout_ms = kClientDeadlineMs,
                                                 WhenFull when_full = WhenFull::kFail);

  // Every later wait ends by `deadline` at the latest (a one-shot process's
  // whole budget), whatever the timeout.
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  // The longest line accepted from the daemon (default 1 GiB: a list of
  // 100,000 sessions is ~28 MB); longer is an error.
  void set_max_line_bytes(size_t n) { conn_.set_max_line_bytes(n); }

  // Sends one request and returns its `result`, or the error as a Status.
  Result<boost::json::value> Call(const std::string& method, boost::json::object params = {});
  // Sends one request and returns the whole response object, an error
  // response included (for callers that look at the error object itself).
  Result<boost::json::value> Request(const std::string& method, boost::json::object params = {});
  // Sends a batch and returns the raw response array.
  Result<boost::json::value> Batch(const boost::json::array& requests);

  // Sends a request or a batch whose ids the caller chose, without waiting;
  // its response comes back through Next() or AwaitResponse(). (For `top`,
  // which keeps requests in flight beside its watch; do not mix with Call on
  // one client.)
  Status Post(const boost::json::value& message);
  // Sends bytes as they are: lines that need not be valid requests.
  Status SendRaw(std::string_view bytes);
  // The next response (a message with no `method`); the notifications read
  // meanwhile are kept for Next(). Waits the timeout, or `timeout_ms`.
  Result<boost::json::value> AwaitResponse();
  Result<boost::json::value> AwaitResponse(int timeout_ms);
  // The next message that Call did not take: a notification (watch.*) or the
  // response to a Post; nullopt on timeout; unavailable on EOF.
  Result<std::optional<boost::json::value>> Next(int timeout_ms);

  // The connection itself, for raw reads (tests of malformed exchanges).
  Connection& connection() { return conn_; }
  int fd() const { return conn_.fd(); }

 private:
  Client(Connection conn, int timeout_ms) : conn_(std::move(conn)), timeout_ms_(timeout_ms) {}
  // When a wait of `timeout_ms` started now must end, cut at the deadline.
  Deadline WaitUntil(int timeout_ms) const { return Earlier(After(timeout_ms), deadline_); }
  // One parsed message; nullopt on timeout.
  Result<std::optional<boost::json::value>> ReadMessage(int timeout_ms);

  Connection conn_;
  int timeout_ms_;
  Deadline deadline_;
  int64_t next_id_ = 0;
  std::deque<boost::json::value> notes_;
};

// One JSON-RPC request object: jsonrpc, id, method and `params` (left out
// when empty), in that order.
boost::json::object RequestObject(boost::json::value id, std::string_view method,
                                  boost::json::object params = {});

// A Status from a JSON-RPC error object: its message, the Code of its
// data.reason (internal when it has none this client knows), and the other
// string and integer members of data as details (e.g. cause).
Status StatusFromError(const boost::json::value& error);

}  // namespace roster::client

// client.h — a small blocking JSON-RPC client for rosterd's Unix socket,
// built for one-shot processes (hooks): plain POSIX calls, no threads, every
// wait bounded so a client never hangs — not on a daemon that accepts and
// never reads or answers (non-blocking connect and send, polled with the
// timeout), nor on one that streams garbage (a line longer than the response
// limit is an error).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "util/deadlines.h"
#include "util/status.h"

namespace roster::ctl {

class Client {
 public:
  ~Client();
  // Connects; unavailable (naming the socket and how to start the daemon) if
  // nothing listens there or it accepts no more connections. `timeout_ms`
  // bounds each later wait for the daemon (sending a request, awaiting a
  // reply); a negative one waits for ever.
  // The default wait outlasts rosterd's write bound (util/deadlines.h): a
  // write this client gave up on was not committed.
  static Result<std::unique_ptr<Client>> Connect(const std::string& socket,
                                                 int timeout_ms = kClientDeadlineMs);

  // Every later wait ends by `deadline` at the latest (a one-shot process's
  // whole budget), whatever the timeout.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  // The longest line accepted from the daemon (default 1 GiB: a list of
  // 100,000 sessions is ~28 MB); longer is an error.
  void set_max_line_bytes(size_t n) { max_line_bytes_ = n; }

  // Sends one request and returns its `result`, or the error as a Status
  // (reason from the response's data.reason).
  Result<boost::json::value> Call(const std::string& method, boost::json::object params = {});
  // Sends a batch and returns the raw response array.
  Result<boost::json::value> Batch(const boost::json::array& requests);
  // Sends a request or a batch whose ids the caller chose, without waiting;
  // its response comes back through Next(). (For `top`, which keeps requests
  // in flight beside its watch; do not mix with Call on one client.)
  Status Post(const boost::json::value& message);
  // The next message that Call did not take: a notification (watch.*) or the
  // response to a Post; nullopt on timeout; unavailable on EOF.
  Result<std::optional<boost::json::value>> Next(int timeout_ms);
  int fd() const { return fd_; }

 private:
  explicit Client(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  // Milliseconds to wait from now: the timeout (or `timeout_ms` when given),
  // cut at the deadline; -1 for ever.
  int WaitMs(int timeout_ms) const;
  Status Send(const std::string& line);
  // One parsed line; nullopt on timeout.
  Result<std::optional<boost::json::value>> ReadMessage(int timeout_ms);
  Result<boost::json::value> AwaitResponse();

  int fd_;
  int timeout_ms_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  size_t max_line_bytes_ = size_t{1} << 30;
  int64_t next_id_ = 0;
  std::string buf_;
  std::deque<boost::json::value> notes_;
};

// A Status from a JSON-RPC error object.
Status StatusFromError(const boost::json::value& error);

}  // namespace roster::ctl

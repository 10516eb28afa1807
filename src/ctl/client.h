// client.h — a small blocking JSON-RPC client for rosterd's Unix socket,
// built for one-shot processes (hooks): plain POSIX calls, no threads, every
// wait bounded by a timeout so a client never hangs.
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "util/status.h"

namespace roster::ctl {

class Client {
 public:
  ~Client();
  // Connects; unavailable (naming the socket and how to start the daemon) if
  // nothing listens there.
  static Result<std::unique_ptr<Client>> Connect(const std::string& socket, int timeout_ms = 5000);

  // Sends one request and returns its `result`, or the error as a Status
  // (reason from the response's data.reason).
  Result<boost::json::value> Call(const std::string& method, boost::json::object params = {});
  // Sends a batch and returns the raw response array.
  Result<boost::json::value> Batch(const boost::json::array& requests);
  // The next notification (watch.*); nullopt on timeout; unavailable on EOF.
  Result<std::optional<boost::json::value>> Next(int timeout_ms);
  int fd() const { return fd_; }

 private:
  explicit Client(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  Status Send(const std::string& line);
  // One parsed line; nullopt on timeout.
  Result<std::optional<boost::json::value>> ReadMessage(int timeout_ms);
  Result<boost::json::value> AwaitResponse();

  int fd_;
  int timeout_ms_;
  int64_t next_id_ = 0;
  std::string buf_;
  std::deque<boost::json::value> notes_;
};

// A Status from a JSON-RPC error object.
Status StatusFromError(const boost::json::value& error);

}  // namespace roster::ctl

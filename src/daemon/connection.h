// connection.h — one client connection: reads newline-framed JSON-RPC
// messages (bounded by max_line_bytes: an oversized line gets an error and
// the connection is closed; a line must arrive within request_timeout_ms of
// its first byte), hands each to the Dispatcher, and writes the replies and
// its watches' events, replies first, gathered into few writes. It closes
// when idle for idle_timeout_ms (never while it watches or has requests in
// flight).
//
// Ownership: the Server holds each open connection; a connection is also
// kept alive by shared_from_this while it has reads, writes or requests in
// flight. Thread-safety: io thread only.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/line_buffer.h"
#include "daemon/rpc.h"

namespace roster::daemon {

namespace asio = boost::asio;
using UnixSocket = asio::local::stream_protocol::socket;

class Server;

class ClientConnection : public LineSink, public std::enable_shared_from_this<ClientConnection> {
 public:
  ClientConnection(UnixSocket socket, Server& server);
  void Start();
  // Stops reading; closes once in-flight requests are answered and written.
  void Shutdown();
  // Closes at once, dropping what is not written yet (a stop's grace ran out).
  void Drop() { Close(); }
  // Pulls replies and watch events into the socket (LineSink).
  void Pump() override;
  void SchedulePump() override;

 private:
  void ReadLine();
  void ReadMore();
  void OnLine(std::string_view line);
  void Reply(std::optional<std::string> response);
  void SendAndClose(std::string response);
  void ArmIdleTimer();
  // Bounds how long an unfinished request line may take: request_timeout_ms
  // from the read that began it (idleness alone never catches a client that
  // sends one byte at a time).
  void ArmRequestTimer();
  void MaybeClose();
  void Close();

  UnixSocket socket_;
  Server& server_;
  asio::steady_timer idle_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  asio::steady_timer request_timer_;
  bool request_timer_armed_ = false;
  // When the unfinished line in in_ began arriving; nullopt when none is.
  std::optional<std::chrono::steady_clock::time_point> line_since_;
  LineBuffer in_;
  std::deque<std::string> replies_;
  std::string out_;
  bool writing_ = false;
  bool pump_scheduled_ = false;
  bool reading_ = false;
  bool handling_ = false;  // ReadLine()'s loop is running
  bool shutting_down_ = false;
  bool closed_ = false;
  size_t in_flight_ = 0;
  const std::shared_ptr<ClientState> state_;
};

}  // namespace roster::daemon

// server.h — the Unix-socket server: the acceptor (socket 0600 in a 0700
// directory, stale-socket replacement, SO_PEERCRED uid check, connection
// limit) and one ClientConnection per client, kept alive by
// shared_from_this while it has reads, writes or requests in flight.
//
// A connection reads newline-framed JSON-RPC messages (bounded by
// max_line_bytes; an oversized line gets an error and the connection is
// closed), hands each to the Dispatcher, and writes replies and its watches'
// events. Replies are written before queued watch events. Everything runs on
// the io thread.
#pragma once

#include <boost/asio.hpp>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "daemon/config.h"
#include "daemon/fd_limit.h"
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

class Server {
 public:
  Server(asio::io_context& io, const DaemonConfig& config, Dispatcher& dispatcher, Hub& hub);

  // Prepares the directory, replaces a stale socket (refuses a live one),
  // binds and listens.
  Status Listen();
  // Serves a listening socket that is already bound (socket activation; see
  // systemd.h) instead; takes ownership of `fd`.
  Status Adopt(int fd);
  void StartAccepting();
  // Closes the acceptor, tells watchers, and shuts every connection down;
  // connections still open after shutdown_grace_ms (a client that does not
  // read its last replies or events) are dropped, so a stop never waits on a
  // client.
  void Stop();

  const DaemonConfig& config() const { return config_; }
  Dispatcher& dispatcher() { return dispatcher_; }
  Hub& hub() { return hub_; }
  void Forget(const std::shared_ptr<ClientConnection>& c);

 private:
  void Accept();
  // Accept failed for want of descriptors: tells a waiting client so and
  // accepts again after a pause, never in a tight loop.
  void OutOfDescriptors(const boost::system::error_code& ec);
  void Refuse(UnixSocket socket, const Status& why);
  void DropRemaining();

  asio::io_context& io_;
  const DaemonConfig& config_;
  Dispatcher& dispatcher_;
  Hub& hub_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::set<std::shared_ptr<ClientConnection>> connections_;
  bool stopping_ = false;
  asio::steady_timer grace_;    // armed by Stop(): then DropRemaining()
  asio::steady_timer backoff_;  // a pause in accepting (OutOfDescriptors)
  SpareDescriptor spare_;
};

}  // namespace roster::daemon

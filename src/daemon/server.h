// server.h — the Unix-socket server: the acceptor (socket 0600 in a 0700
// directory, stale-socket replacement, SO_PEERCRED uid check, connection
// limit, shedding clients when out of descriptors) and the set of open
// connections (connection.h), which a stop shuts down within
// shutdown_grace_ms. Everything runs on the io thread.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <set>
#include <string>

#include "daemon/config.h"
#include "daemon/connection.h"
#include "daemon/fd_limit.h"
#include "daemon/rpc.h"

namespace roster::daemon {

// Binds `acceptor` to the Unix socket `path` and listens: the directory is
// created (0700) if missing, a stale socket replaced, a live rosterd's
// refused, the socket made 0600. (The front of a cluster member serves its
// socket the same way: cluster/front.h.)
Status ListenUnix(asio::local::stream_protocol::acceptor& acceptor, const std::string& path);
// Serves `fd`, a listening socket already bound (socket activation); takes
// ownership of it.
Status AdoptUnix(asio::local::stream_protocol::acceptor& acceptor, int fd, const std::string& path);
// True when the peer of `socket` runs as this process's user.
bool PeerIsThisUser(UnixSocket& socket);

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

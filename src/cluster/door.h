// door.h — a member's door: the authenticated TCP entrance other rosterds
// use (relayed requests and watches, joins), on DoorAddress(config.cluster)
// (cluster/door_address.h). Each connection runs TLS when the Security has
// a context, then the secret handshake (cluster/handshake.h); then, if this
// member's core serves, the door pipes bytes both ways between the
// connection and the core's Unix socket (DATA/core.sock) until either side
// ends. A member whose core is not serving answers the authenticated client
// with one line instead of its proof —
//   {"jsonrpc":"2.0","id":null,"error":{"code":-32006,"message":"this node
//    is not the primary","data":{"reason":"unavailable","cause":"not_primary"}}}
// — and closes; the client looks for the primary again. A member without a
// cluster secret refuses every connection ("no cluster secret configured").
// A wrong secret gets one error line and is logged with the peer's address
// (the log's limiter keeps a flood of them to a few lines).
//
// The door reads nothing of what it pipes: limits, framing and JSON are the
// core's business, as for a local client.
//
// Usage:
//   cluster::Door door(io, config, security, [&] { return core_path_if_serving(); });
//   if (Status s = door.Start(); !s.ok()) ...;   // binds ADDR+1
//   ...
//   door.Stop();                                  // on the io thread
//
// Ownership: the Door owns its acceptor and every open connection (one set,
// one stop path: Stop closes them all). Thread-safety: io thread only; the
// core callback is called there.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cluster/security.h"
#include "cluster/stream.h"
#include "daemon/config.h"
#include "util/status.h"

namespace roster::cluster {

// The core's socket path while this member's core serves; nullopt while it
// does not (this member is not the primary, or its core is starting).
using CoreSocket = std::function<std::optional<std::string>()>;

// The line a door sends when its core is not serving (see above).
std::string NotPrimaryLine();

class DoorConnection;

class Door {
 public:
  Door(asio::io_context& io, const daemon::DaemonConfig& config, const Security& security,
       CoreSocket core);
  ~Door();

  // Binds and listens on DoorAddress(config.cluster) and starts accepting;
  // unavailable with a sentence when the port is taken.
  Status Start();
  // Closes the acceptor and every connection (their pipes end at once).
  void Stop();

  // The address it listens on ("IP:PORT"), once started.
  const std::string& address() const { return address_; }
  size_t connections() const { return connections_.size(); }

 private:
  friend class DoorConnection;
  void Accept();
  void Forget(const std::shared_ptr<DoorConnection>& c) { connections_.erase(c); }

  asio::io_context& io_;
  const daemon::DaemonConfig& config_;
  const Security& security_;
  CoreSocket core_;
  Tcp::acceptor acceptor_;
  asio::steady_timer backoff_;  // a pause after a failed accept
  std::string address_;
  std::set<std::shared_ptr<DoorConnection>> connections_;
  bool stopped_ = false;
};

}  // namespace roster::cluster

// front.h — the front: what serves a member's public Unix socket, on every
// member, primary or not. It accepts clients as rosterd's own server does
// (socket 0600 in a 0700 directory, a live rosterd on the path refused, a
// stale socket replaced, peers of another user refused, max_connections)
// and gives each client connection a Relay (cluster/relay.h) that carries
// its requests and watches to the primary's core: the local core's socket
// when this member is the primary, else the primary's door over TCP (+TLS)
// after the secret handshake. Clients never learn which node serves them.
//
// Where the primary is comes from the PrimaryLocator, asked whenever a relay
// needs an upstream; PrimaryChanged() wakes the relays that wait for one.
//
// Usage:
//   cluster::Front front(io, config, security, [&] { return role.Where(); });
//   if (Status s = front.Listen(); !s.ok()) ...;   // or front.Adopt(fd)
//   ...                                            // role moves: front.PrimaryChanged()
//   front.Stop();
//
// Ownership: the Front owns its acceptor and every Relay (one set, one stop
// path). Thread-safety: io thread only (post PrimaryChanged and Stop to it);
// the locator is called on the io thread and must be quick (it reads what
// the role watcher last saw).
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "cluster/security.h"
#include "cluster/stream.h"
#include "daemon/config.h"
#include "util/status.h"

namespace roster::cluster {

// Where a relay finds the primary's core.
struct Primary {
  enum class Kind {
    kNone,    // no primary known yet: wait (at most relay_wait_ms) and ask again
    kLocal,   // this member's core: `where` is its Unix socket
    kRemote,  // another member: `where` is its door ("IP:PORT")
  };
  Kind kind = Kind::kNone;
  std::string where;

  static Primary None() { return {}; }
  static Primary Local(std::string socket) { return {Kind::kLocal, std::move(socket)}; }
  static Primary Remote(std::string door) { return {Kind::kRemote, std::move(door)}; }
};
using PrimaryLocator = std::function<Primary()>;
// This member's answer to cluster.status (its own view, not the primary's):
// called on the io thread, it must not block: it hands `reply` the result's
// JSON text later, from any thread (the relay posts it back to its own).
using LocalStatus = std::function<void(std::function<void(Result<std::string>)> reply)>;

class Relay;

class Front {
 public:
  Front(asio::io_context& io, const daemon::DaemonConfig& config, const Security& security,
        PrimaryLocator locator);
  ~Front();

  // Binds config.socket_path (see above) and starts accepting.
  Status Listen();
  // Serves a listening socket that is already bound (socket activation);
  // takes ownership of `fd`; starts accepting.
  Status Adopt(int fd);
  // Closes the acceptor; every relay stops reading, its watches get
  // watch.error unavailable, and it closes once its requests are answered
  // and written; those still open after shutdown_grace_ms are dropped.
  void Stop();
  // Tells the relays waiting for a primary to ask the locator now.
  void PrimaryChanged();
  // cluster.status (a single request, not in a batch) is answered by the
  // relay with this, not sent to the primary. Before Listen/Adopt.
  void set_local_status(LocalStatus fn) { local_status_ = std::move(fn); }
  const LocalStatus& local_status() const { return local_status_; }

  size_t connections() const { return relays_.size(); }

  // For the relays.
  const daemon::DaemonConfig& config() const { return config_; }
  const Security& security() const { return security_; }
  Primary Locate() const { return locator_(); }
  void Forget(const std::shared_ptr<Relay>& relay);

 private:
  void Accept();
  void Refuse(UnixSocket socket, const Status& why);

  asio::io_context& io_;
  const daemon::DaemonConfig& config_;
  const Security& security_;
  PrimaryLocator locator_;
  LocalStatus local_status_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::set<std::shared_ptr<Relay>> relays_;
  asio::steady_timer grace_;    // armed by Stop(): then the rest are dropped
  asio::steady_timer backoff_;  // a pause after a failed accept
  bool stopping_ = false;
  bool bound_path_ = false;  // Listen() bound config.socket_path: Stop() removes it
};

}  // namespace roster::cluster

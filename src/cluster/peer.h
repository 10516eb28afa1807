// peer.h — the client side of a door (cluster/door.h): connect over TCP
// within a deadline, TLS when the Security has a context (verifying the
// door's certificate against the cluster's CA), then the secret handshake
// (cluster/handshake.h). What comes out is an authenticated stream whose
// bytes reach the primary's core: the front (cluster/front.h) relays a
// client connection over it, asynchronously; PeerClient wraps it in
// blocking JSON-RPC calls for joins and tests.
//
// A door whose member is not the primary answers the handshake with its
// refusal: the connect fails with unavailable and the detail cause
// "not_primary" (IsNotPrimary), which means "look for the primary again".
//
// Usage:
//   ConnectPeer(io.get_executor(), "10.0.0.5:9002", security, 1s,
//               [](Result<PeerStream> r) { ... r->stream ... });
//
//   auto peer = PeerClient::Connect(DoorAddress(leader).value(), security, 2s);
//   auto answer = (*peer)->Call("cluster.join", {{"id", id}, {"address", addr}});
//
// Thread-safety: ConnectPeer's handler runs on `executor`. A PeerClient is
// one thread's (it runs its own io_context inside each call).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/security.h"
#include "cluster/stream.h"
#include "util/status.h"

namespace roster::cluster {

struct PeerStream {
  std::shared_ptr<ByteStream> stream;
  std::string leftover;  // bytes the door sent after its proof (normally none)
};

// Connects to the door at `door_address` ("IP:PORT") and authenticates.
// `timeout` bounds the TCP connect and TLS; the handshake has its own 5 s.
// Errors: invalid_params (a bad address), unavailable (nothing listens, the
// deadline passed, TLS failed, not a door; or the door's refusal, with
// cause not_primary), permission_denied (wrong secret, or none here).
void ConnectPeer(asio::any_io_executor executor, const std::string& door_address,
                 const Security& security, std::chrono::milliseconds timeout,
                 std::function<void(Result<PeerStream>)> done);

// True for the refusal of a door whose member is not the primary.
bool IsNotPrimary(const Status& status);

class PeerClient {
 public:
  // ConnectPeer, waiting for it. `timeout` also bounds each later Call.
  static Result<std::unique_ptr<PeerClient>> Connect(const std::string& door_address,
                                                     const Security& security,
                                                     std::chrono::milliseconds timeout);
  ~PeerClient();

  // Sends one request through the door to the core and returns its result;
  // the core's error as a Status (its Code from data.reason, as
  // client::StatusFromError); unavailable when the connection is lost or no
  // answer came within the timeout. Notifications are skipped.
  Result<boost::json::value> Call(const std::string& method, boost::json::object params = {});

 private:
  PeerClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  // Runs the io_context until *done or the deadline; false on the deadline
  // (the stream is closed then).
  bool RunUntil(const bool& done, std::chrono::steady_clock::time_point deadline);

  asio::io_context io_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<ByteStream> stream_;
  std::string buf_;
  int64_t next_id_ = 0;
};

}  // namespace roster::cluster

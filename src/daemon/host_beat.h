// host_beat.h — this host's heartbeat in the registry: every quarter of
// host_timeout_ms the writer records hosts.last_seen = now for this
// rosterd's host (Registry::RecordHostHeartbeat), so that a rosterd sharing
// the registry tells a host whose rosterd runs from one that is down: the
// sessions of a host unseen for host_timeout_ms are reported unreachable
// (Session::unreachable), not judged. One small write per period (not a feed
// change); a beat still in flight when the next is due is not doubled.
//
// Thread-safety: Start and Stop on the io thread, whose timer drives it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "daemon/writer.h"

namespace roster::daemon {

class HostBeat {
 public:
  HostBeat(boost::asio::io_context& io, Writer& writer, int64_t host_timeout_ms);
  void Start();
  void Stop();

  // A quarter of the timeout: three beats may be lost or late before the
  // host counts as down.
  static std::chrono::milliseconds Period(int64_t host_timeout_ms) {
    return std::chrono::milliseconds(host_timeout_ms / 4);
  }

 private:
  void Arm();
  void Beat();

  boost::asio::steady_timer timer_;
  Writer& writer_;
  const std::chrono::milliseconds period_;
  bool running_ = false;    // io thread
  bool in_flight_ = false;  // io thread (the write's completion runs there too)
};

}  // namespace roster::daemon

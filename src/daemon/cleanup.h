// cleanup.h — the cleanup strand: a timer on the io thread that, every
// cleanup_interval_ms, submits the registry's maintenance steps to the writer
// (so they commit like any write, appear in the feed, and never run beside
// another write), each bounded to cleanup_batch rows. Then the WAL is
// checkpointed on the writer thread between batches — the writer's automatic
// checkpoints (every 1000 pages, inside a commit) are off, so commits never
// pay for one; with no writer beside it the checkpoint completes and the WAL
// restarts from its beginning: PASSIVE each round, TRUNCATE past
// wal_truncate_bytes. The WAL thus holds about one interval of writes.
// A full expiry batch queues the next one at once, so a mass expiry is swept
// in many small transactions rather than one per interval.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>

#include "daemon/config.h"
#include "daemon/writer.h"

namespace roster::daemon {

class CleanupStrand {
 public:
  CleanupStrand(boost::asio::io_context& io, Writer& writer, const DaemonConfig& config);
  void Start();
  void Stop();

 private:
  void Arm();
  void Tick();
  void SubmitExpiry();

  boost::asio::steady_timer timer_;
  Writer& writer_;
  const DaemonConfig& config_;
  bool running_ = false;
  std::atomic<bool> tick_in_flight_{false};  // set on the io thread, cleared on the writer
};

}  // namespace roster::daemon

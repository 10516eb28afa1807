// cleanup.h — the cleanup strand: a timer on the io thread that, every
// cleanup_interval_ms, submits the registry's maintenance steps to the writer
// (so they commit like any write, appear in the feed, and never run beside
// another write), each bounded to cleanup_batch rows. Then the WAL is
// checkpointed: the writer's automatic checkpoints (every 1000 pages, inside a
// commit) are off, so commits never pay for one. The bulk of the copying runs
// on a reader connection beside the writes; a short second pass on the writer
// thread, between batches, completes it so the WAL restarts from its
// beginning (TRUNCATE past wal_truncate_bytes). The WAL thus holds about one
// interval of writes.
// A full batch queues the next one at once, so a backlog (a mass expiry) is
// swept in many small operations that ordinary writes interleave with.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>

#include "daemon/config.h"
#include "daemon/readers.h"
#include "daemon/writer.h"

namespace roster::daemon {

class CleanupStrand {
 public:
  CleanupStrand(boost::asio::io_context& io, Writer& writer, ReaderPool& readers,
                const DaemonConfig& config);
  void Start();
  void Stop();

 private:
  void Arm();
  void Tick();
  void SubmitStep(const char* what, std::function<Result<int64_t>(store::Registry&)> fn);

  boost::asio::steady_timer timer_;
  Writer& writer_;
  ReaderPool& readers_;
  const DaemonConfig& config_;
  bool running_ = false;
  std::atomic<bool> tick_in_flight_{false};  // set on the io thread, cleared on the writer
};

}  // namespace roster::daemon

// cleanup.h — the cleanup strand: a timer on the io thread that, every
// cleanup_interval_ms, runs the registry's maintenance steps through the
// writer one after another (so they commit like any write, appear in the
// feed, and a write batch never holds more than one), each bounded to
// cleanup_batch rows. Probing session pids in /proc happens on a reader,
// every live session with a pid each round; so does reading the sessions'
// git branches, every branch_interval_ms.
// A full batch runs its step again at once, so a backlog (a mass expiry) is
// swept in many small operations that ordinary writes interleave with.
//
// With host agents (config.registry.host_agent) the strand probes nothing:
// each host's agent probes its own sessions and reports (host.report); the
// expiry sweep then covers the sessions of every host whose heartbeat is
// recent (an unreachable host's sessions are nobody's to judge).
//
// Then the engine's housekeeping (the file engine's WAL checkpoint,
// file_engine.h): the heavy part on a reader beside the writes, then a short
// part on the writer thread between batches.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>

#include "daemon/config.h"
#include "daemon/readers.h"
#include "daemon/writer.h"
#include "store/engine.h"

namespace roster::daemon {

class CleanupStrand {
 public:
  CleanupStrand(boost::asio::io_context& io, store::Engine& engine, Writer& writer,
                ReaderPool& readers, const DaemonConfig& config);
  void Start();
  void Stop();

 private:
  void Arm();
  using StepFn = std::function<Result<int64_t>(store::Registry&)>;
  void Tick();
  void RunStep(size_t step);
  // Runs `fn` as one writer operation; then the same step again if it came
  // back full (and repeat_when_full), else the next step.
  void WriteStep(size_t step, const char* what, StepFn fn, bool repeat_when_full = true);
  void ProbeProcesses(size_t step);
  void ProbeBranches(size_t step);
  template <typename T>
  using PartWrite = std::function<Result<int64_t>(store::Registry&, const std::vector<T>&)>;
  template <typename T>
  void WriteInParts(size_t step, std::shared_ptr<const std::vector<T>> items, size_t from,
                    PartWrite<T> write);
  // The engine's housekeeping: beside the writes on a reader, then between
  // batches on the writer; the round ends there.
  void Maintain();

  boost::asio::steady_timer timer_;
  store::Engine& engine_;
  Writer& writer_;
  ReaderPool& readers_;
  const DaemonConfig& config_;
  bool running_ = false;
  std::atomic<bool> tick_in_flight_{false};  // set on the io thread, cleared on the writer
  std::chrono::steady_clock::time_point next_branch_probe_{};  // io thread
};

}  // namespace roster::daemon

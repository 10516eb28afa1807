// readers.h — a small pool of threads, each with its own Registry from the
// store's engine, serving reads beside the writer (the file engine's WAL lets
// them run while it commits). Reads never wait for the writer.
//
// Lifecycle as every worker (worker.h): Stop() lets what is queued run, then
// joins; an operation submitted after Stop began is refused (Submit returns
// false and the operation never runs).
//
// Thread-safety: Submit and Stop may be called from any thread; an operation
// runs on one pool thread with that thread's Registry.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "daemon/worker.h"
#include "store/engine.h"

namespace roster::daemon {

using ReadOp = std::function<void(store::Registry&)>;

class ReaderPool {
 public:
  ReaderPool() = default;
  ~ReaderPool();  // Stop()s

  // Opens `threads` Registries on `engine` and starts the threads.
  Status Start(store::Engine& engine, int threads);
  // False (and `op` is dropped unrun) once Stop began.
  bool Submit(ReadOp op);
  // Runs what is queued, then joins. Idempotent.
  void Stop();

 private:
  void Loop(store::Registry* registry);

  std::vector<std::unique_ptr<store::Registry>> registries_;
  TaskQueue<ReadOp> queue_;
  std::vector<std::unique_ptr<WorkerThread>> threads_;
};

}  // namespace roster::daemon

// notifier.h — watches for commits made outside the daemon's writer (a
// sqlite3 shell, an import, another client of the engine): a worker thread
// (worker.h) with a Registry of its own that asks the engine for its change
// token every poll interval (the file engine's moves when another connection
// commits) and, when it moved, has the FeedPublisher publish what is new.
// The daemon's own commits are published by the writer itself.
//
// Thread-safety: Start/Stop from the owning thread.
#pragma once

#include <memory>

#include "daemon/worker.h"
#include "store/engine.h"

namespace roster::daemon {

class FeedPublisher;

class Notifier {
 public:
  Notifier(store::Engine& engine, std::unique_ptr<store::Registry> registry, int64_t poll_ms,
           FeedPublisher& publisher);
  ~Notifier();  // Stop()s

  void Start();
  void Stop();

 private:
  void Loop();

  store::Engine& engine_;
  std::unique_ptr<store::Registry> registry_;
  const int64_t poll_ms_;
  FeedPublisher& publisher_;
  TaskQueue<bool> stop_;  // carries no work: closed to stop the poll
  WorkerThread thread_;
};

}  // namespace roster::daemon

// readers.h — a small pool of threads, each with its own read connection to
// the database, serving reads beside the writer (WAL lets them run while it
// commits). Reads never wait for the writer.
//
// Thread-safety: Submit and Stop may be called from any thread; an operation
// runs on one pool thread with that thread's Registry.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/registry.h"

namespace roster::daemon {

using ReadOp = std::function<void(store::Registry&)>;

class ReaderPool {
 public:
  ReaderPool() = default;
  ~ReaderPool();  // Stop()s

  // Opens `threads` connections to `db` and starts the threads.
  Status Start(const std::string& db, int threads, const store::RegistryOptions& options);
  void Submit(ReadOp op);
  // Runs what is queued, then joins. Idempotent.
  void Stop();

 private:
  void Loop(store::Registry* registry);

  std::vector<std::unique_ptr<store::Registry>> registries_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReadOp> queue_;
  bool stopping_ = false;
};

}  // namespace roster::daemon

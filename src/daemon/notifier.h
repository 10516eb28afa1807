// notifier.h — watches for commits made by other processes (a sqlite3 shell,
// an import): a thread with its own read connection that polls
// PRAGMA data_version every poll interval — it changes when any other
// connection commits — and then has the FeedPublisher publish what is new.
// The daemon's own commits are published by the writer itself.
//
// Thread-safety: Start/Stop from the owning thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/registry.h"

namespace roster::daemon {

class FeedPublisher;

class Notifier {
 public:
  Notifier(std::unique_ptr<store::Registry> registry, int64_t poll_ms, FeedPublisher& publisher);
  ~Notifier();  // Stop()s

  void Start();
  void Stop();

 private:
  void Loop();

  std::unique_ptr<store::Registry> registry_;
  const int64_t poll_ms_;
  FeedPublisher& publisher_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace roster::daemon

// worker.h — the one worker-thread type of rosterd. The writer, each reader
// and the notifier are a WorkerThread (a named thread running one loop) fed
// by a TaskQueue, so all three share one lifecycle:
//
//   Push      queues work from any thread; once the queue is closed it is
//             refused (Push returns false and leaves the item with the
//             caller, who fails it: nothing is dropped silently).
//   Close     refuses new work; the consumers finish what is queued, then
//             their loops return.
//   Join      waits for the thread (the owner's Stop is Close + Join; the
//             destructor joins too).
//
// TaskQueue also carries the writer's group wait (Take's `want`): a consumer
// that would take fewer items than it wants may wait up to `group_wait` for
// more, and meanwhile producers wake it only when that many are queued.
//
// Thread-safety: TaskQueue is safe from any thread; a WorkerThread is started
// and joined by its owner's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "util/thread_name.h"

namespace roster::daemon {

template <typename T>
class TaskQueue {
 public:
  // Queues `item` (moved from only when queued). False once closed.
  bool Push(T& item) {
    std::unique_lock lock(mu_);
    if (closed_) return false;
    items_.push_back(std::move(item));
    const bool wake = items_.size() >= wake_at_;
    lock.unlock();
    // Notified after unlocking, so the woken consumer does not find the lock
    // still held.
    if (wake) cv_.notify_one();
    return true;
  }
  bool Push(T&& item) { return Push(item); }

  // Waits until an item is queued or the queue is closed, then moves up to
  // `max` items into *out. With `group_wait`, when fewer than `want` are
  // queued it first waits up to that long for `want`. False once the queue is
  // closed and empty: the consumer's loop ends.
  bool Take(std::deque<T>* out, size_t max, size_t want = 1,
            std::chrono::microseconds group_wait = std::chrono::microseconds(0)) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    if (group_wait.count() > 0 && items_.size() < want && !closed_) {
      wake_at_ = want;
      cv_.wait_for(lock, group_wait, [&] { return closed_ || items_.size() >= want; });
      wake_at_ = 1;
    }
    for (size_t n = std::min(items_.size(), max); n > 0; --n) {
      out->push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return true;
  }

  // Sleeps up to `timeout`; true once the queue is closed (a polling loop's
  // "stop now").
  bool WaitClosed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return closed_; });
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  std::deque<T> items_;
  size_t wake_at_ = 1;  // queue size at which Push wakes a consumer
  bool closed_ = false;
};

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread() { Join(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Starts `loop` on a thread named `name` (the name is in place when Start
  // returns). REQUIRES: not started.
  void Start(const char* name, std::function<void()> loop) {
    thread_ = std::thread(std::move(loop));
    NameThread(thread_, name);
  }
  // Waits for the loop to return. Idempotent.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

}  // namespace roster::daemon

// writer.h — the single writer: one thread owning the writer connection that
// commits queued write operations together (group commit).
//
// Operations that arrive while a batch is committing wait and are committed
// together in the next batch (at most max_batch per transaction). Each runs in
// its own savepoint, so a failing operation does not fail its neighbours. A
// completion is called only after its batch committed — a reply sent from it
// is a durability promise. If the COMMIT itself fails, every operation of the
// batch completes with that error.
//
// The write bound: an operation must start within `write_timeout` of its
// Submit. One whose batch starts later fails at once (unavailable, cause
// "timeout") without running, and a batch waits for another process's write
// lock only until its earliest operation's bound (then every operation of it
// fails, cause "busy"). A failed write is therefore never committed later,
// and every write is answered within the bound plus its batch's own work and
// commit. Clients wait longer than that (util/deadlines.h).
//
// Group wait (for sync full, where a commit costs an fsync): when fewer
// operations are queued than the larger of the last two batches held, the
// writer waits up to `group_wait` for that many before committing, so
// clients that are about to send again (depth-1 connections just answered)
// share one fsync instead of alternating between small batches. Zero turns
// it off; a wrong guess costs at most `group_wait` once or twice.
//
// Two hooks run on the writer thread around every batch: `before_commit`
// inside the batch's transaction after its operations (the daemon reads the
// batch's new feed rows there and raises the rev reservation; an error from
// it rolls the batch back and fails every operation of it), and
// `after_batch` once the COMMIT succeeded or failed, with the batch's
// completions bundled into one function (the daemon makes a raised
// reservation durable, then publishes the rows and runs that function on the
// io thread in a single hand-off).
//
// Thread-safety: Submit/SubmitIdle/Stop may be called from any thread;
// operations run on the writer thread, completions wherever after_batch runs them.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

#include "daemon/worker.h"
#include "store/registry.h"

namespace roster::daemon {

// An operation's result is its serialized JSON, produced on the writer thread.
using WriteOp = std::function<Result<std::string>(store::Registry&)>;
using WriteDone = std::function<void(Result<std::string>)>;
using IdleOp = std::function<void(store::Registry&)>;

class Writer {
 public:
  // Both run on the writer thread; either may be empty.
  struct Hooks {
    // Inside every batch's transaction, after its operations, before COMMIT
    // (not run when BEGIN failed). Not OK: the batch is rolled back and fails.
    std::function<Status(store::Registry&)> before_commit;
    // After every batch: `committed` says whether its COMMIT succeeded. Must
    // arrange for `completions` to run. Empty: the writer runs them itself.
    std::function<void(store::Registry&, std::function<void()> completions, bool committed)>
        after_batch;
  };

  // `write_timeout` zero: no bound.
  Writer(std::unique_ptr<store::Registry> registry, size_t max_batch, Hooks hooks,
         std::chrono::microseconds group_wait = std::chrono::microseconds(0),
         std::chrono::milliseconds write_timeout = std::chrono::milliseconds(0));
  ~Writer();  // Stop()s

  void Start();
  // Once Stop began, `done` runs at once with unavailable.
  void Submit(WriteOp op, WriteDone done);
  // Runs `op` on the writer thread outside any transaction, after the writes
  // queued before it (checkpoints, maintenance bookkeeping). Refused (false)
  // once Stop began.
  bool SubmitIdle(IdleOp op);
  // Commits everything already queued, then stops the thread. Idempotent.
  void Stop();

  // Counters (approximate when read from another thread).
  uint64_t batches() const { return batches_; }
  uint64_t ops() const { return ops_; }

 private:
  // A write (op and done), or an idle operation (idle set).
  struct Task {
    WriteOp op;
    WriteDone done;
    std::chrono::steady_clock::time_point deadline;  // to start by (write_timeout)
    IdleOp idle;
  };
  void Loop();
  void RunBatch(std::deque<Task>& tasks);

  std::unique_ptr<store::Registry> registry_;
  const size_t max_batch_;
  Hooks hooks_;
  const std::chrono::microseconds group_wait_;
  const std::chrono::milliseconds write_timeout_;
  size_t last_batches_[2] = {0, 0};  // sizes of the last two batches (writer thread)
  TaskQueue<Task> queue_;
  WorkerThread thread_;
  std::atomic<uint64_t> batches_{0}, ops_{0};
};

}  // namespace roster::daemon

// writer.cc — the group-commit loop.
#include "daemon/writer.h"

#include <algorithm>

#include "util/log.h"

namespace roster::daemon {

Writer::Writer(std::unique_ptr<store::Registry> registry, size_t max_batch, Hooks hooks,
               std::chrono::microseconds group_wait, std::chrono::milliseconds write_timeout)
    : registry_(std::move(registry)),
      max_batch_(max_batch),
      hooks_(std::move(hooks)),
      group_wait_(group_wait),
      write_timeout_(write_timeout) {}

Writer::~Writer() { Stop(); }

void Writer::Start() {
  thread_.Start("roster-writer", [this] { Loop(); });
}

void Writer::Submit(WriteOp op, WriteDone done) {
  const auto deadline = write_timeout_.count() > 0
                            ? std::chrono::steady_clock::now() + write_timeout_
                            : std::chrono::steady_clock::time_point::max();
  Task task{std::move(op), std::move(done), deadline, {}};
  if (!queue_.Push(task)) {
    task.done(Status::Unavailable("rosterd is shutting down; retry when it is back"));
  }
}

bool Writer::SubmitIdle(IdleOp op) { return queue_.Push(Task{{}, {}, {}, std::move(op)}); }

void Writer::Stop() {
  queue_.Close();
  thread_.Join();
}

void Writer::Loop() {
  std::deque<Task> taken, writes;
  // Group wait: as many as the larger of the last two batches held.
  while (queue_.Take(&taken, max_batch_,
                     std::min(std::max(last_batches_[0], last_batches_[1]), max_batch_),
                     group_wait_)) {
    std::deque<IdleOp> idle;
    for (auto& t : taken) {
      if (t.idle) {
        idle.push_back(std::move(t.idle));
      } else {
        writes.push_back(std::move(t));
      }
    }
    taken.clear();
    last_batches_[1] = last_batches_[0];
    last_batches_[0] = writes.size();
    if (!writes.empty()) RunBatch(writes);
    for (auto& op : idle) op(*registry_);
  }
}

void Writer::RunBatch(std::deque<Task>& tasks) {
  using Clock = std::chrono::steady_clock;
  const auto now = Clock::now();
  auto earliest = Clock::time_point::max();  // of the operations still in time
  bool any_in_time = false;
  for (const auto& t : tasks) {
    if (t.deadline <= now) continue;
    any_in_time = true;
    earliest = std::min(earliest, t.deadline);
  }
  const Status expired =
      Status::Unavailable("the write waited " + std::to_string(write_timeout_.count()) +
                          " ms (write_timeout_ms) without starting; it was not committed, retry")
          .With("cause", "timeout");
  auto results = std::make_shared<std::vector<Result<std::string>>>();
  results->reserve(tasks.size());
  Status commit = expired;
  if (any_in_time) {
    // Wait for another process's lock no longer than the earliest bound.
    const int wait_ms =
        earliest == Clock::time_point::max()
            ? -1
            : static_cast<int>(std::max<int64_t>(
                  1,
                  std::chrono::duration_cast<std::chrono::milliseconds>(earliest - now).count()));
    commit = registry_->BeginBatch(wait_ms);
  }
  if (commit.ok()) {
    for (auto& t : tasks) {
      results->push_back(t.deadline > now ? t.op(*registry_) : Result<std::string>(expired));
    }
    if (hooks_.before_commit) commit = hooks_.before_commit(*registry_);
    if (commit.ok()) {
      commit = registry_->CommitBatch();
    } else {
      registry_->RollbackBatch();
    }
  }
  if (!commit.ok()) {
    if (any_in_time) {
      LogError("write batch of " + std::to_string(tasks.size()) + " failed: " + commit.ToString());
    }
    // A commit whose answer was lost (a replicated engine) may have applied
    // the batch: its writes must not be reported as not committed.
    const bool unknown = IsUnknownOutcome(commit);
    const Status failed =
        commit.Recast(Code::kUnavailable, unknown ? "" : "the write was not committed: ");
    if (unknown) {  // a write that failed in its own savepoint was not applied either way
      for (auto& r : *results) {
        if (r.ok()) r = failed;
      }
      for (size_t i = results->size(); i < tasks.size(); ++i) results->push_back(failed);
    } else {
      results->clear();
      for (const auto& t : tasks) results->push_back(t.deadline > now ? failed : expired);
    }
  } else {
    ++batches_;
    ops_ += tasks.size();
  }
  // Only the completions travel on: the ops, and the request data they hold,
  // are freed here rather than on the io thread.
  auto dones = std::make_shared<std::vector<WriteDone>>();
  dones->reserve(tasks.size());
  for (auto& t : tasks) dones->push_back(std::move(t.done));
  tasks.clear();
  auto completions = [dones, results] {
    for (size_t i = 0; i < dones->size(); ++i) (*dones)[i](std::move((*results)[i]));
  };
  if (hooks_.after_batch) {
    hooks_.after_batch(*registry_, std::move(completions), commit.ok());
  } else {
    completions();
  }
}

}  // namespace roster::daemon

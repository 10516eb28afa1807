// cleanup.cc — expiry, process and branch probes, retention, compaction and
// checkpoints on a timer.
#include "daemon/cleanup.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "daemon/branch_probe.h"
#include "util/log.h"

namespace roster::daemon {

namespace json = boost::json;

CleanupStrand::CleanupStrand(boost::asio::io_context& io, Writer& writer, ReaderPool& readers,
                             const DaemonConfig& config)
    : timer_(io), writer_(writer), readers_(readers), config_(config) {}

void CleanupStrand::Start() {
  running_ = true;
  Arm();
}

void CleanupStrand::Stop() {
  running_ = false;
  timer_.cancel();
}

void CleanupStrand::Arm() {
  if (!running_) return;
  timer_.expires_after(std::chrono::milliseconds(config_.cleanup_interval_ms));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted || !running_) return;
    Tick();
    Arm();
  });
}

void CleanupStrand::Tick() {
  if (tick_in_flight_) return;  // the previous round is still running
  tick_in_flight_ = true;
  RunStep(0);
}

// The steps run one after another, each as its own writer operation, so a
// write batch never holds more than one of them: a write waits behind at most
// one step of at most cleanup_batch rows. A step whose batch came back full
// runs again before the next, so a backlog (a mass expiry, a purge) drains in
// many small operations that ordinary writes interleave with.
void CleanupStrand::RunStep(size_t step) {
  const DaemonConfig& c = config_;
  const int64_t b = c.cleanup_batch;
  if (!running_) {
    tick_in_flight_ = false;
    return;
  }
  switch (step) {
    case 0:
      return WriteStep(step, "checked for expiry", [b](store::Registry& r) -> Result<int64_t> {
        auto pass = r.ExpireSessions(b);
        if (!pass.ok()) return pass.status();
        if (pass->expired > 0) LogDebug("cleanup: expired " + std::to_string(pass->expired));
        return pass->checked;
      });
    case 1:
      return ProbeProcesses(step);
    case 2:
      return ProbeBranches(step);
    case 3:
      return WriteStep(step, "purged", [&c, b](store::Registry& r) {
        return r.PurgeSessions(c.purge_after_ms, b);
      });
    case 4:
      return WriteStep(step, "trimmed logs",
                       [&c, b](store::Registry& r) { return r.TrimLogs(c.log_retention_ms, b); });
    case 5:
      return WriteStep(step, "compacted changes", [&c, b](store::Registry& r) {
        return r.CompactChanges(c.changes_retention_ms, c.changes_max_rows, b);
      });
    default:
      return Checkpoint();
  }
}

void CleanupStrand::WriteStep(size_t step, const char* what, StepFn fn, bool repeat_when_full) {
  writer_.Submit(
      [what, fn](store::Registry& reg) -> Result<std::string> {
        auto r = fn(reg);
        if (!r.ok()) LogWarn(std::string("cleanup: ") + what + " failed: " + r.status().ToString());
        if (r.ok() && *r > 0) LogDebug(std::string("cleanup: ") + what + " " + std::to_string(*r));
        return std::to_string(r.ok() ? *r : 0);
      },
      // Completions run on the io thread, like the timer.
      [this, step, repeat_when_full](Result<std::string> r) {
        const bool full = repeat_when_full && r.ok() && std::stoll(*r) >= config_.cleanup_batch;
        RunStep(full ? step : step + 1);
      });
}

// Probing pids means a /proc read per session: done on a reader, so the
// writer only marks the sessions found gone (if they have not changed since).
// Every round probes every live session that has a pid, a page of
// cleanup_batch per read transaction, so a process's exit is seen within one
// interval plus one sweep (measured: docs/performance.md); the marks then go
// to the writer in operations of at most cleanup_batch.
void CleanupStrand::ProbeProcesses(size_t step) {
  readers_.Submit([this, step](store::Registry& reader) {
    std::vector<store::Registry::DeadProcess> dead;
    std::string cursor;
    do {
      auto page = reader.FindDeadProcesses(&cursor, config_.cleanup_batch);
      if (!page.ok()) {
        LogWarn("cleanup: probing processes failed: " + page.status().ToString());
        break;
      }
      dead.insert(dead.end(), std::make_move_iterator(page->begin()),
                  std::make_move_iterator(page->end()));
    } while (!cursor.empty());
    boost::asio::post(timer_.get_executor(), [this, step, dead = std::move(dead)]() mutable {
      WriteInParts(
          step, std::make_shared<const std::vector<store::Registry::DeadProcess>>(std::move(dead)),
          0, &store::Registry::MarkProcessesExited);
    });
  });
}

// Every branch_interval_ms (not every round): the roots' git branches, read
// on a reader; the writer then sets only those that changed.
void CleanupStrand::ProbeBranches(size_t step) {
  const auto now = std::chrono::steady_clock::now();
  if (config_.branch_interval_ms <= 0 || now < next_branch_probe_) return RunStep(step + 1);
  next_branch_probe_ = now + std::chrono::milliseconds(config_.branch_interval_ms);
  readers_.Submit([this, step](store::Registry& reader) {
    auto changes = FindBranchChanges(reader, config_.cleanup_batch);
    boost::asio::post(timer_.get_executor(), [this, step, changes = std::move(changes)]() mutable {
      WriteInParts(
          step,
          std::make_shared<const std::vector<store::Registry::BranchChange>>(std::move(changes)), 0,
          &store::Registry::SetBranches);
    });
  });
}

// Runs `write` on items[from, from + cleanup_batch) as one writer operation,
// then on the rest the same way; then the next step.
template <typename T>
void CleanupStrand::WriteInParts(size_t step, std::shared_ptr<const std::vector<T>> items,
                                 size_t from, PartWrite<T> write) {
  if (from >= items->size() || !running_) return RunStep(step + 1);
  const size_t to = std::min(items->size(), from + static_cast<size_t>(config_.cleanup_batch));
  std::vector<T> part(items->begin() + static_cast<ptrdiff_t>(from),
                      items->begin() + static_cast<ptrdiff_t>(to));
  writer_.Submit(
      [part = std::move(part), write](store::Registry& reg) -> Result<std::string> {
        auto r = (reg.*write)(part);
        if (!r.ok())
          LogWarn("cleanup: a write of the cleanup strand failed: " + r.status().ToString());
        if (r.ok() && *r > 0) LogDebug("cleanup: " + std::to_string(*r) + " sessions updated");
        return std::string("0");
      },
      [this, step, items, to, write](Result<std::string>) {
        WriteInParts(step, items, to, write);
      });
}

// The bulk of the checkpoint (copying WAL pages into the database file) runs
// on a reader connection beside the writes, in passes: each copies what was
// written during the one before, until a pass finds little new (writes go on
// meanwhile). The reader then syncs the database file, since a pass that stops
// short of the WAL's end never does. A last pass on the writer thread, between
// batches, copies the rest, so the checkpoint completes (and syncs what it
// copied) and the next write restarts the WAL from its beginning. The
// writer's journal_size_limit then cuts the file back to wal_truncate_bytes;
// a WAL under that is reused, never regrown.
void CleanupStrand::Checkpoint() {
  readers_.Submit([this](store::Registry& reader) {
    CopyBesideWrites(reader.connection());
    writer_.SubmitIdle([this](store::Registry& reg) {
      const auto start = std::chrono::steady_clock::now();
      auto last = reg.connection().Checkpoint("PASSIVE");
      if (!last.ok()) {
        LogWarn("cleanup: checkpoint failed: " + last.status().ToString());
      } else {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
        LogDebug("cleanup: checkpoint of " + std::to_string(last->wal_frames) +
                 " frames completed; its last pass held writes for " + std::to_string(us.count()) +
                 " us");
      }
      tick_in_flight_ = false;
    });
  });
}

void CleanupStrand::CopyBesideWrites(store::Connection& reader) {
  constexpr int kMaxPasses = 8;
  constexpr int64_t kSmall = 256;  // frames: 1 MiB of 4 KiB pages
  int64_t copied = -1;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    auto bulk = reader.Checkpoint("PASSIVE");
    if (!bulk.ok()) {
      LogDebug("cleanup: background checkpoint: " + bulk.status().ToString());
      break;
    }
    // What this pass had to copy: for the first, the whole backlog; for the
    // others, what was written while the pass before it ran.
    const int64_t fresh = copied < 0 ? bulk->wal_frames : bulk->copied_frames - copied;
    copied = bulk->copied_frames;
    if (bulk->left() <= kSmall && fresh <= kSmall) break;
  }
  if (Status s = reader.SyncDatabaseFile(); !s.ok()) LogDebug("cleanup: " + s.message());
}

}  // namespace roster::daemon

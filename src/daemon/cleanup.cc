// cleanup.cc — expiry, retention, compaction and checkpoints on a timer.
#include "daemon/cleanup.h"

#include <boost/asio/post.hpp>
#include <filesystem>

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

// Each step runs as its own writer operation of at most cleanup_batch rows;
// a full batch queues the next one at once, so a large backlog (a mass expiry,
// a purge) drains in many small transactions that writes interleave with.
void CleanupStrand::SubmitStep(const char* what,
                               std::function<Result<int64_t>(store::Registry&)> fn) {
  writer_.Submit(
      [this, what, fn](store::Registry& reg) -> Result<std::string> {
        auto r = fn(reg);
        if (!r.ok()) LogWarn(std::string("cleanup: ") + what + " failed: " + r.status().ToString());
        if (r.ok() && *r > 0) LogDebug(std::string("cleanup: ") + what + " " + std::to_string(*r));
        if (r.ok() && *r >= config_.cleanup_batch) SubmitStep(what, fn);  // more to do
        return std::to_string(r.ok() ? *r : 0);
      },
      [](Result<std::string>) {});
}

void CleanupStrand::Tick() {
  if (tick_in_flight_) return;  // the previous round is still queued behind writes
  tick_in_flight_ = true;
  const DaemonConfig& c = config_;
  const int64_t b = c.cleanup_batch;
  SubmitStep("expired", [b](store::Registry& r) { return r.ExpireSessions(b); });
  SubmitStep("dead processes", [b](store::Registry& r) { return r.ExpireDeadProcesses(b); });
  SubmitStep("purged",
             [&c, b](store::Registry& r) { return r.PurgeSessions(c.purge_after_ms, b); });
  SubmitStep("trimmed logs",
             [&c, b](store::Registry& r) { return r.TrimLogs(c.log_retention_ms, b); });
  SubmitStep("compacted changes", [&c, b](store::Registry& r) {
    return r.CompactChanges(c.changes_retention_ms, c.changes_max_rows, b);
  });
  // The checkpoint's bulk (copying WAL pages into the database) runs on a
  // reader connection beside the writes; a second, short pass on the writer
  // thread then copies the last few frames, so the checkpoint completes and
  // the WAL restarts from its beginning.
  readers_.Submit([this, &c](store::Registry& reader) {
    Status bulk = reader.connection().Checkpoint("PASSIVE");
    if (!bulk.ok()) LogDebug("cleanup: background checkpoint: " + bulk.ToString());
    writer_.SubmitIdle([this, &c](store::Registry& reg) {
      std::error_code ec;
      auto wal = std::filesystem::file_size(c.db_path + "-wal", ec);
      const bool big = !ec && static_cast<int64_t>(wal) > c.wal_truncate_bytes;
      Status s = reg.connection().Checkpoint(big ? "TRUNCATE" : "PASSIVE");
      if (!s.ok()) LogWarn("cleanup: checkpoint failed: " + s.ToString());
      tick_in_flight_ = false;
    });
  });
}

}  // namespace roster::daemon

// cleanup.cc — expiry, retention, compaction and checkpoints on a timer.
#include "daemon/cleanup.h"

#include <boost/asio/post.hpp>
#include <filesystem>

#include "util/log.h"

namespace roster::daemon {

namespace json = boost::json;

CleanupStrand::CleanupStrand(boost::asio::io_context& io, Writer& writer,
                             const DaemonConfig& config)
    : timer_(io), writer_(writer), config_(config) {}

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

// Expiry goes on in bounded batches until a batch comes back short, each a
// separate writer operation so writes interleave with a large sweep.
void CleanupStrand::SubmitExpiry() {
  const int64_t b = config_.cleanup_batch;
  writer_.Submit(
      [this, b](store::Registry& reg) -> Result<json::value> {
        auto r = reg.ExpireSessions(b);
        if (!r.ok()) LogWarn("cleanup: expiry failed: " + r.status().ToString());
        if (r.ok() && *r == b) SubmitExpiry();  // more to do: queue the next batch now
        return json::value(r.ok() ? *r : 0);
      },
      [](Result<json::value>) {});
}

void CleanupStrand::Tick() {
  if (tick_in_flight_) return;  // the previous round is still queued behind writes
  tick_in_flight_ = true;
  const DaemonConfig& c = config_;
  auto step = [](const char* what, auto fn) {
    return [what, fn](store::Registry& reg) -> Result<json::value> {
      auto r = fn(reg);
      if (!r.ok()) LogWarn(std::string("cleanup: ") + what + " failed: " + r.status().ToString());
      if (r.ok() && *r > 0) LogDebug(std::string("cleanup: ") + what + " " + std::to_string(*r));
      return json::value(r.ok() ? *r : 0);
    };
  };
  auto ignore = [](Result<json::value>) {};
  const int64_t b = c.cleanup_batch;
  SubmitExpiry();
  writer_.Submit(step("dead processes", [b](auto& r) { return r.ExpireDeadProcesses(b); }), ignore);
  writer_.Submit(step("purged", [&c, b](auto& r) { return r.PurgeSessions(c.purge_after_ms, b); }), ignore);
  writer_.Submit(step("trimmed logs", [&c, b](auto& r) { return r.TrimLogs(c.log_retention_ms, b); }), ignore);
  writer_.Submit(step("compacted changes", [&c, b](auto& r) {
                   return r.CompactChanges(c.changes_retention_ms, c.changes_max_rows, b);
                 }),
                 ignore);
  writer_.SubmitIdle([this, &c](store::Registry& reg) {
    std::error_code ec;
    auto wal = std::filesystem::file_size(c.db_path + "-wal", ec);
    const bool big = !ec && static_cast<int64_t>(wal) > c.wal_truncate_bytes;
    Status s = reg.connection().Checkpoint(big ? "TRUNCATE" : "PASSIVE");
    if (!s.ok()) LogWarn("cleanup: checkpoint failed: " + s.ToString());
    tick_in_flight_ = false;  // atomic enough: a bool read by the io thread next tick
  });
}

}  // namespace roster::daemon

// cleanup.cc — expiry, process and branch probes, retention, compaction and
// checkpoints on a timer.
#include "daemon/cleanup.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "daemon/branch_probe.h"
#include "util/log.h"

namespace roster::daemon {

namespace json = boost::json;

namespace {

// The hosts whose sessions the expiry sweep judges: this host's; with host
// agents, every host whose heartbeat is recent.
Result<std::vector<std::string>> SweptHosts(store::Registry& r) {
  if (!r.options().host_agent) return std::vector<std::string>{r.options().host};
  auto hosts = r.Hosts();
  if (!hosts.ok()) return hosts.status();
  std::vector<std::string> out;
  for (auto& h : *hosts) {
    if (!h.unreachable) out.push_back(std::move(h.host));
  }
  return out;
}

}  // namespace

CleanupStrand::CleanupStrand(boost::asio::io_context& io, store::Engine& engine, Writer& writer,
                             ReaderPool& readers, const DaemonConfig& config)
    : timer_(io), engine_(engine), writer_(writer), readers_(readers), config_(config) {}

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
        // Rows a sqlite3 user inserted without a host become this host's
        // first, so this very sweep judges them.
        if (auto claimed = r.ClaimUnowned(); !claimed.ok()) return claimed.status();
        auto hosts = SweptHosts(r);
        if (!hosts.ok()) return hosts.status();
        int64_t checked = 0;
        for (const auto& host : *hosts) {
          auto pass = r.ExpireSessions(host, b - checked);
          if (!pass.ok()) return pass.status();
          if (pass->expired > 0) LogDebug("cleanup: expired " + std::to_string(pass->expired));
          checked += pass->checked;
          if (checked >= b) break;  // full: the step runs again
        }
        return checked;
      });
    case 1:
      if (c.registry.host_agent) return RunStep(step + 1);  // the agents probe
      return ProbeProcesses(step);
    case 2:
      if (c.registry.host_agent) return RunStep(step + 1);
      return ProbeBranches(step);
    case 3:
      return WriteStep(step, "purged", [&c, b](store::Registry& r) {
        return r.PurgeSessions(c.purge_after_ms, b);
      });
    case 4:
      return WriteStep(step, "trimmed logs", [&c, b](store::Registry& r) {
        return r.TrimLogs(c.log_retention_ms, LogMaxRows(c), b);
      });
    case 5:
      return WriteStep(step, "compacted changes", [&c, b](store::Registry& r) {
        return r.CompactChanges(c.changes_retention_ms, ChangesMaxRows(c), b);
      });
    case 6:
      return WriteStep(step, "forgot request keys", [&c, b](store::Registry& r) {
        return r.TrimRequestKeys(c.request_key_retention_ms, c.request_keys_max_rows, b);
      });
    default:
      return Maintain();
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
      WriteInParts<store::Registry::DeadProcess>(
          step, std::make_shared<const std::vector<store::Registry::DeadProcess>>(std::move(dead)),
          0, [](store::Registry& r, const std::vector<store::Registry::DeadProcess>& part) {
            return r.MarkProcessesExited(part);
          });
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
      WriteInParts<store::Registry::BranchChange>(
          step,
          std::make_shared<const std::vector<store::Registry::BranchChange>>(std::move(changes)), 0,
          [](store::Registry& r, const std::vector<store::Registry::BranchChange>& part) {
            return r.SetBranches(part);
          });
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
        auto r = write(reg, part);
        if (!r.ok())
          LogWarn("cleanup: a write of the cleanup strand failed: " + r.status().ToString());
        if (r.ok() && *r > 0) LogDebug("cleanup: " + std::to_string(*r) + " sessions updated");
        return std::string("0");
      },
      [this, step, items, to, write](Result<std::string>) {
        WriteInParts(step, items, to, write);
      });
}

void CleanupStrand::Maintain() {
  const bool queued = readers_.Submit([this](store::Registry& reader) {
    engine_.MaintainBesideWrites(reader);
    const bool idle_queued = writer_.SubmitIdle([this](store::Registry& writer) {
      engine_.MaintainBetweenBatches(writer);
      tick_in_flight_ = false;
    });
    if (!idle_queued) tick_in_flight_ = false;  // stopping
  });
  if (!queued) tick_in_flight_ = false;
}

}  // namespace roster::daemon

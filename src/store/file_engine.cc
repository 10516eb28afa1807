// file_engine.cc — the SQLite-file engine (see file_engine.h).
#include "store/file_engine.h"

#include <atomic>
#include <chrono>
#include <filesystem>

#include "store/clean_shutdown.h"
#include "store/connection.h"
#include "store/migrations.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/paths.h"

namespace roster::store {
namespace {

class FileEngine final : public Engine {
 public:
  explicit FileEngine(const EngineOptions& options) : options_(options) {}

  Status Open();

  const StartupReport& startup() const override { return startup_; }
  std::unique_ptr<Registry> TakeWriter() override { return std::move(writer_); }
  Result<std::unique_ptr<Registry>> OpenReader() override;
  Result<int64_t> ChangeToken(Registry& registry) override {
    return FileOf(registry).DataVersion();
  }
  void MaintainBesideWrites(Registry& reader) override;
  void MaintainBetweenBatches(Registry& writer) override;
  void FinishWrites(Registry& writer) override;
  void Close() override;
  boost::json::object Describe() const override;
  std::string Summary() const override {
    return "database " + options_.db_path + ", sync " +
           (options_.sync == SyncMode::kFull ? "full" : "normal");
  }

 private:
  // Every Registry this engine makes sits on a Connection.
  static Connection& FileOf(Registry& registry) {
    return static_cast<Connection&>(DatabaseOf(registry));
  }
  Status CheckIntegrity(Connection& conn) const;

  const EngineOptions options_;
  LockFile lock_;
  StartupReport startup_;
  std::unique_ptr<Registry> writer_;  // until TakeWriter()
  // Set by FinishWrites (writer thread), read by Close (after it joined).
  std::atomic<bool> emptied_{false};
  std::atomic<int64_t> final_rev_{0};
};

Status FileEngine::CheckIntegrity(Connection& conn) const {
  if (Status s = store::CheckIntegrity(conn, /*full=*/false); !s.ok()) {
    return Status::Unavailable("database " + options_.db_path + " failed its integrity check (" +
                               s.message() + "); restore a backup with roster-backup restore");
  }
  return Status::Ok();
}

Status FileEngine::Open() {
  ROSTER_RETURN_IF_ERROR(lock_.Acquire(LockPathFor(options_.db_path)));
  // The marker is removed whatever it says, so a crash from here on forces
  // the check on the next start.
  std::string why;
  int64_t clean_rev = TakeCleanMarker(options_.db_path, &why).value_or(-1);
  if (options_.always_check) {
    clean_rev = -1;
    why = "startup_check is always";
  }
  auto conn = Connection::Open({.path = options_.db_path,
                                .sync = options_.sync,
                                .wal_size_limit = options_.wal_truncate_bytes});
  if (!conn.ok()) return conn.status();
  // Checkpoints are the cleanup strand's job (between batches), so a commit
  // never pays for one.
  ROSTER_RETURN_IF_ERROR(conn.value()->SetAutoCheckpoint(false));
  Connection& file = *conn.value();
  writer_ = std::make_unique<Registry>(std::move(conn).value(), options_.registry);
  auto rev = writer_->CurrentRev();
  if (!rev.ok()) return rev.status();
  if (clean_rev >= 0 && *rev != clean_rev) {
    clean_rev = -1;
    why = "the feed moved after the clean shutdown";
  }
  startup_.rev = *rev;
  if (clean_rev >= 0) {
    startup_.check = "skipped";
    startup_.why =
        "clean shutdown at rev " + std::to_string(clean_rev) + " and the file is unchanged since";
    LogInfo("integrity check skipped: " + startup_.why);
    return Status::Ok();
  }
  startup_.check = "passed";
  startup_.why = why;
  LogInfo("integrity check (" + why + ")");
  return CheckIntegrity(file);
}

Result<std::unique_ptr<Registry>> FileEngine::OpenReader() {
  auto conn = Connection::Open({.path = options_.db_path, .migrate = false});
  if (!conn.ok()) return conn.status();
  return std::make_unique<Registry>(std::move(conn).value(), options_.registry);
}

void FileEngine::MaintainBesideWrites(Registry& reader) {
  constexpr int kMaxPasses = 8;
  constexpr int64_t kSmall = 256;  // frames: 1 MiB of 4 KiB pages
  Connection& conn = FileOf(reader);
  int64_t copied = -1;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    auto bulk = conn.Checkpoint("PASSIVE");
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
  if (Status s = conn.SyncDatabaseFile(); !s.ok()) LogDebug("cleanup: " + s.message());
}

void FileEngine::MaintainBetweenBatches(Registry& writer) {
  const auto start = std::chrono::steady_clock::now();
  auto last = FileOf(writer).Checkpoint("PASSIVE");
  if (!last.ok()) {
    LogWarn("cleanup: checkpoint failed: " + last.status().ToString());
    return;
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  LogDebug("cleanup: checkpoint of " + std::to_string(last->wal_frames) +
           " frames completed; its last pass held writes for " + std::to_string(us.count()) +
           " us");
}

void FileEngine::FinishWrites(Registry& writer) {
  auto cp = FileOf(writer).Checkpoint("TRUNCATE");
  if (!cp.ok()) LogWarn("final checkpoint failed: " + cp.status().ToString());
  if (cp.ok() && cp->busy) LogWarn("final checkpoint incomplete: another process holds the WAL");
  auto rev = writer.CurrentRev();
  final_rev_ = rev.ok() ? *rev : 0;
  emptied_ = cp.ok() && !cp->busy && rev.ok();
}

void FileEngine::Close() {
  writer_.reset();
  // Every connection is closed now, so the file is final.
  if (emptied_) {
    Status s = WriteCleanMarker(options_.db_path, final_rev_);
    if (!s.ok()) LogWarn("no clean-shutdown marker (" + s.message() + "); the next start checks");
  }
  lock_.Release();
}

boost::json::object FileEngine::Describe() const {
  std::error_code ec;
  auto wal = std::filesystem::file_size(options_.db_path + "-wal", ec);
  return boost::json::object{{"engine", "file"},
                             {"db", options_.db_path},
                             {"sync", options_.sync == SyncMode::kFull ? "full" : "normal"},
                             {"wal_bytes", ec ? int64_t{0} : static_cast<int64_t>(wal)}};
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenFileEngine(const EngineOptions& options) {
  auto engine = std::make_unique<FileEngine>(options);
  ROSTER_RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace roster::store

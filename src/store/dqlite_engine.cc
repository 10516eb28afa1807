// dqlite_engine.cc — the dqlite engine (see dqlite_engine.h).
#include "store/dqlite_engine.h"

#include <atomic>
#include <filesystem>

#include "store/dqlite_database.h"
#include "store/migrations.h"
#include "util/log.h"

namespace roster::store {

std::string DqliteNodeDir(const std::string& data_dir) { return data_dir + "/node"; }
std::string DqliteLockPath(const std::string& data_dir) { return data_dir + "/rosterd.lock"; }

namespace {

using namespace std::chrono_literals;

// Bytes of the files under `dir` (the node's Raft log and snapshots).
int64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto n = it->file_size(size_ec);
      if (!size_ec) total += static_cast<int64_t>(n);
    }
  }
  return total;
}

class DqliteEngine final : public Engine {
 public:
  explicit DqliteEngine(const EngineOptions& options) : options_(options) {}
  ~DqliteEngine() override { Close(); }

  Status Open();

  const StartupReport& startup() const override { return startup_; }
  std::unique_ptr<Registry> TakeWriter() override { return std::move(writer_); }
  Result<std::unique_ptr<Registry>> OpenReader() override;
  // The feed's head: it moves with every commit that wrote a change, whoever
  // made it (this daemon, a `dqlite` shell), and survives reconnections.
  Result<int64_t> ChangeToken(Registry& registry) override { return registry.CurrentRev(); }
  // dqlite checkpoints its own (in-memory) WAL; what is left is the sizes.
  void MaintainBesideWrites(Registry& reader) override { MeasureDatabase(reader); }
  void MaintainBetweenBatches(Registry&) override {}
  // Every commit was durable when it returned.
  void FinishWrites(Registry&) override {}
  void Close() override;
  boost::json::object Describe() const override;
  std::string Summary() const override {
    return "dqlite node " + options_.cluster + " (data " + options_.data_dir + ")";
  }

 private:
  Result<std::unique_ptr<DqliteDatabase>> Connect() const;
  void MeasureDatabase(Registry& registry);

  const EngineOptions options_;
  StartupReport startup_;
  std::unique_ptr<Registry> writer_;  // until TakeWriter()
  std::atomic<int64_t> db_bytes_{0};  // page_count x page_size, at the last measure
};

Result<std::unique_ptr<DqliteDatabase>> DqliteEngine::Connect() const {
  DqliteDatabase::Options o;
  o.client.nodes = {options_.cluster};
  o.client.database = kDqliteDatabaseName;
  // A write's call may wait behind a Raft round. A connect only finds the
  // node leading or not (fenced: see the header), so it is bounded short: a
  // core whose node stopped leading fails its calls quickly while the member
  // stops it. The first connection waits for the node's election.
  o.client.call_timeout = 10s;
  o.client.connect_timeout = 2s;
  o.client.follow_leader = false;
  o.open_timeout = 10s;
  return DqliteDatabase::Open(std::move(o));
}

Status DqliteEngine::Open() {
  auto db = Connect();
  if (!db.ok()) {
    return Status::Unavailable("the dqlite node at " + options_.cluster +
                               " did not serve: " + db.status().message());
  }
  DqliteDatabase& conn = *db.value();
  ROSTER_RETURN_IF_ERROR(Migrate(conn, "the dqlite database at " + options_.cluster));
  writer_ = std::make_unique<Registry>(std::move(db).value(), options_.registry);
  startup_.check = "passed";
  startup_.why = "dqlite: every start (the database is in memory)";
  LogInfo("integrity check (" + startup_.why + ")");
  if (Status s = CheckIntegrity(conn, /*full=*/false); !s.ok()) {
    return Status::Unavailable("the dqlite database at " + options_.cluster +
                               " failed its integrity check (" + s.message() +
                               "); restore a backup with roster-backup restore");
  }
  auto rev = writer_->CurrentRev();
  if (!rev.ok()) return rev.status();
  startup_.rev = *rev;
  MeasureDatabase(*writer_);
  return Status::Ok();
}

Result<std::unique_ptr<Registry>> DqliteEngine::OpenReader() {
  auto db = Connect();
  if (!db.ok()) return db.status();
  return std::make_unique<Registry>(std::move(db).value(), options_.registry);
}

void DqliteEngine::MeasureDatabase(Registry& registry) {
  Database& db = DatabaseOf(registry);
  try {
    db_bytes_ = db.QueryInt("PRAGMA page_count") * db.QueryInt("PRAGMA page_size");
  } catch (const std::exception& e) {
    LogDebug(std::string("dqlite: could not measure the database: ") + e.what());
  }
}

void DqliteEngine::Close() { writer_.reset(); }

boost::json::object DqliteEngine::Describe() const {
  return boost::json::object{{"engine", "dqlite"},
                             {"cluster", options_.cluster},
                             {"data", options_.data_dir},
                             {"node_id", options_.node_id},
                             {"db_bytes", db_bytes_.load()},
                             {"raft_bytes", DirectoryBytes(DqliteNodeDir(options_.data_dir))}};
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenDqliteEngine(const EngineOptions& options) {
  auto engine = std::make_unique<DqliteEngine>(options);
  ROSTER_RETURN_IF_ERROR(engine->Open());
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace roster::store

// registry.cc — the Registry's plumbing: statement cache, transactions and
// savepoints, batch control and error mapping. The operations themselves live
// in sessions.cc, teams.cc, logs.cc, feed.cc and maintenance.cc.
#include "store/registry.h"

#include <chrono>

namespace roster::store {

Registry::Registry(std::unique_ptr<Database> conn, RegistryOptions options)
    : conn_(std::move(conn)), options_(std::move(options)) {
  if (!options_.clock) options_.clock = &Registry::SystemNowMs;
  if (!options_.probe) options_.probe = SystemProcessProbe();
}

Registry::~Registry() {
  stmts_.clear();  // statements before the connection they belong to
  conn_.reset();
}

int64_t Registry::SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t Registry::Now() const { return options_.clock(); }

Statement& Registry::Stmt(const char* sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) it = stmts_.emplace(sql, conn_->Prepare(sql)).first;
  Statement& q = *it->second;
  q.tryReset();  // never throws, even after a failed step
  q.clearBindings();
  return q;
}

void Registry::ResetStatements() {
  // A statement left mid-step would hold a read snapshot open (and block
  // checkpoints); reset them all once an operation is done.
  for (auto& [sql, q] : stmts_) q->tryReset();
}

void Registry::Control(TxnStep step, int depth) {
  static constexpr int kDepths = 4;
  static constexpr const char* kSavepoint[kDepths] = {"SAVEPOINT op0", "SAVEPOINT op1",
                                                      "SAVEPOINT op2", "SAVEPOINT op3"};
  static constexpr const char* kRelease[kDepths] = {"RELEASE op0", "RELEASE op1", "RELEASE op2",
                                                    "RELEASE op3"};
  static constexpr const char* kRollbackTo[kDepths] = {"ROLLBACK TO op0", "ROLLBACK TO op1",
                                                       "ROLLBACK TO op2", "ROLLBACK TO op3"};
  const char* const* named = nullptr;  // the step's savepoint statements by depth
  const char* verb = nullptr;
  switch (step) {
    case TxnStep::kBegin:
      return static_cast<void>(Stmt("BEGIN IMMEDIATE").exec());
    case TxnStep::kBeginRead:
      return static_cast<void>(Stmt("BEGIN").exec());
    case TxnStep::kCommit:
      return static_cast<void>(Stmt("COMMIT").exec());
    case TxnStep::kRollback:
      return static_cast<void>(Stmt("ROLLBACK").exec());
    case TxnStep::kSavepoint:
      named = kSavepoint, verb = "SAVEPOINT op";
      break;
    case TxnStep::kRelease:
      named = kRelease, verb = "RELEASE op";
      break;
    case TxnStep::kRollbackTo:
      named = kRollbackTo, verb = "ROLLBACK TO op";
      break;
  }
  if (depth < kDepths) {
    Stmt(named[depth]).exec();
  } else {
    conn_->Exec(verb + std::to_string(depth));
  }
}

bool Registry::InBatch() const { return conn_->InTransaction(); }

Status Registry::BeginBatch(int wait_ms) {
  if (wait_ms >= 0) conn_->SetLockWait(wait_ms);
  Status s;
  try {
    Control(TxnStep::kBegin, 0);
  } catch (const std::exception& e) {
    s = FromDbError(e);
  }
  if (wait_ms >= 0) conn_->SetLockWait(-1);
  return s;
}

Status Registry::CommitBatch() {
  ResetStatements();
  try {
    Control(TxnStep::kCommit, 0);
    return Status::Ok();
  } catch (const std::exception& e) {
    RollbackBatch();
    return FromDbError(e);
  }
}

void Registry::RollbackBatch() {
  ResetStatements();
  if (InBatch()) TryRollback();
}

void Registry::TryRollback() {
  try {
    conn_->Exec("ROLLBACK");
  } catch (const std::exception&) {  // nothing left to undo
  }
}

Statement& Registry::LastRevStmt() {
  return Stmt("SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
}

int64_t Registry::LastRev() {
  auto& q = LastRevStmt();
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

void Registry::PrefetchLastRev() { conn_->Prefetch(LastRevStmt()); }

}  // namespace roster::store

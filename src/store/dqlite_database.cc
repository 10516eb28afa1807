// dqlite_database.cc — the store's Database and Statement over the dqlite
// wire client (see dqlite_database.h).
#include "store/dqlite_database.h"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "store/sqlite_statement.h"

namespace roster::store {

using dqlite::SqlKind;
namespace dq = dqlite;

namespace {

bool IsControl(SqlKind kind) { return kind != SqlKind::kRows && kind != SqlKind::kWrite; }

[[noreturn]] void Misuse(const std::string& what) {
  throw DbError(DbError::Failure::kOther, SQLITE_MISUSE, what);
}

}  // namespace

// A statement of a DqliteDatabase. Control statements hold no node statement:
// they run through DqliteDatabase::Control.
class DqliteStatement final : public Statement {
 public:
  DqliteStatement(DqliteDatabase& db, std::string sql, SqlKind kind, dq::Stmt stmt)
      : db_(db),
        sql_(std::move(sql)),
        kind_(kind),
        stmt_(std::move(stmt)),
        values_(stmt_.params()),
        text_(stmt_.params()) {}

  using Statement::bind;
  void bind(int index, int64_t value) override { Slot(index) = dq::Value::Int(value); }
  void bind(int index, double value) override { Slot(index) = dq::Value::Real(value); }
  void bind(int index, std::string_view text) override {
    dq::Value& slot = Slot(index);
    std::string& kept = text_[static_cast<size_t>(index - 1)];
    kept.assign(text);
    slot = dq::Value::Text(kept);
  }
  void bind(int index) override { Slot(index) = dq::Value::Null(); }

  ~DqliteStatement() override { db_.Forget(this); }

  bool executeStep() override {
    if (kind_ != SqlKind::kRows) {
      exec();
      return false;
    }
    if (!ran_) {
      if (prefetched_ && prefetched_state_ == db_.state_ && prefetched_key_ == ParamsKey()) {
        rows_ = std::move(*prefetched_);  // it came with the statement before: no round trip
        ++db_.prefetch_hits_;
      } else {
        rows_ = std::move(db_.Send(stmt_, values_, kind_).rows);
      }
      prefetched_.reset();
      ran_ = true;
      row_ = 0;
    } else if (row_ < rows_.size()) {
      ++row_;
    }
    scratch_.assign(rows_.columns(), std::nullopt);
    return row_ < rows_.size();
  }

  int exec() override {
    ran_ = true;
    if (IsControl(kind_)) {
      db_.Control(kind_, sql_);
      return 0;
    }
    if (kind_ == SqlKind::kRows) {
      rows_ = std::move(db_.Send(stmt_, values_, kind_).rows);
      if (!rows_.empty()) Misuse("exec() of a statement that returns rows");
      return 0;
    }
    return static_cast<int>(db_.Send(stmt_, values_, kind_).exec.rows_affected);
  }

  // The rows of this query, sent after another statement (Prefetch), as of
  // the database's `state`.
  void Prefetched(dq::Rows rows, uint64_t state) {
    prefetched_ = std::move(rows);
    prefetched_state_ = state;
    prefetched_key_ = ParamsKey();
  }

  int getColumnCount() const override { return static_cast<int>(rows_.columns()); }
  std::string getColumnName(int index) const override {
    return index >= 0 && static_cast<size_t>(index) < rows_.columns()
               ? std::string(rows_.column_name(static_cast<size_t>(index)))
               : "";
  }
  void reset() override { tryReset(); }
  void tryReset() noexcept override {
    ran_ = false;
    row_ = 0;
    rows_ = dq::Rows();
  }
  void clearBindings() override {
    for (auto& v : values_) v = dq::Value::Null();
  }

  ColumnType ColumnTypeAt(int index) const override {
    const dq::Value& v = At(index);
    if (v.is_null()) return ColumnType::kNull;
    switch (v.type()) {
      case dq::Type::kInteger:
      case dq::Type::kBoolean:
      case dq::Type::kUnixTime:
        return ColumnType::kInteger;
      case dq::Type::kFloat:
        return ColumnType::kFloat;
      case dq::Type::kBlob:
        return ColumnType::kBlob;
      default:
        return ColumnType::kText;
    }
  }
  int64_t ColumnInt64(int index) const override { return At(index).AsInt64(); }
  double ColumnDouble(int index) const override { return At(index).AsDouble(); }
  std::string_view ColumnText(int index) const override {
    const dq::Value& v = At(index);
    switch (v.type()) {
      case dq::Type::kText:
      case dq::Type::kBlob:
      case dq::Type::kIso8601:
        return v.AsText();
      default:
        break;
    }
    if (index < 0 || static_cast<size_t>(index) >= scratch_.size()) return {};
    // A number as SQLite's text, kept while the row is current.
    auto& kept = scratch_[static_cast<size_t>(index)];
    if (!kept) kept = v.is_null() ? std::string() : v.AsString();
    return *kept;
  }

 private:
  dq::Value& Slot(int index) {
    if (index < 1 || static_cast<size_t>(index) > values_.size()) {
      throw DbError(DbError::Failure::kOther, SQLITE_RANGE,
                    "bind index " + std::to_string(index) + " out of range for \"" + sql_ + "\"");
    }
    return values_[static_cast<size_t>(index - 1)];
  }
  const dq::Value& At(int index) const {
    static const dq::Value kNull;
    if (row_ >= rows_.size() || index < 0) return kNull;
    return rows_[row_][static_cast<size_t>(index)];
  }

  friend class DqliteDatabase;

  // The bound values, as comparable bytes.
  std::string ParamsKey() const {
    std::string key;
    for (const auto& v : values_) {
      key += static_cast<char>(v.type());
      key += std::to_string(v.raw_int()) + ':' + std::to_string(v.raw_real()) + ':';
      key.append(v.raw_bytes());
      key += '\0';
    }
    return key;
  }

  DqliteDatabase& db_;
  const std::string sql_;
  const SqlKind kind_;
  dq::Stmt stmt_;
  std::vector<dq::Value> values_;  // one per parameter; text points into text_
  std::vector<std::string> text_;
  dq::Rows rows_;
  size_t row_ = 0;
  bool ran_ = false;
  mutable std::vector<std::optional<std::string>> scratch_;  // numbers as text, per column
  std::optional<dq::Rows> prefetched_;                       // see Prefetched
  uint64_t prefetched_state_ = 0;
  std::string prefetched_key_;
};

DqliteDatabase::DqliteDatabase(Options options)
    : options_(std::move(options)), client_(options_.client), lock_wait_(options_.lock_wait_ms) {}

DqliteDatabase::~DqliteDatabase() = default;

Result<std::unique_ptr<DqliteDatabase>> DqliteDatabase::Open(Options options) {
  std::unique_ptr<DqliteDatabase> db(new DqliteDatabase(std::move(options)));
  const auto deadline = std::chrono::steady_clock::now() + db->options_.open_timeout;
  if (auto c = db->client_.Connect(deadline); !c.ok()) return c.error().status();
  return db;
}

std::unique_ptr<Statement> DqliteDatabase::Prepare(const std::string& sql) {
  const std::vector<SqlKind> kinds = dq::StatementKinds(sql);
  if (kinds.size() != 1) Misuse("prepare one statement at a time: \"" + sql + "\"");
  if (IsControl(kinds[0]))
    return std::make_unique<DqliteStatement>(*this, sql, kinds[0], dq::Stmt());
  return std::make_unique<DqliteStatement>(*this, sql, kinds[0], PrepareOnLeader(sql));
}

dq::Stmt DqliteDatabase::PrepareOnLeader(const std::string& sql) {
  Ready();
  ++round_trips_;
  auto stmt = client_.Prepare(sql);
  if (!stmt.ok()) Fail(stmt.error(), SqlKind::kRows);
  return std::move(stmt).value();
}

void DqliteDatabase::Exec(const std::string& sql) {
  const std::vector<SqlKind> kinds = dq::StatementKinds(sql);
  if (kinds.empty()) return;
  if (kinds.size() == 1 && IsControl(kinds[0])) return Control(kinds[0], sql);
  for (SqlKind kind : kinds) {
    if (IsControl(kind)) {
      Misuse("on dqlite, run transaction control (" + std::string(dq::SqlKindName(kind)) +
             ") as a statement of its own, not inside a script");
    }
  }
  const SqlKind kind = kinds.size() == 1 ? kinds[0] : SqlKind::kWrite;
  Ready();
  if (in_txn_) txn_sent_ = true;
  prefetch_.clear();
  SendQueued();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_wait_);
  int pause_ms = 0;
  for (;;) {
    ++round_trips_;
    ++state_;
    std::optional<dq::Error> failed;
    if (kind == SqlKind::kRows) {
      auto rows = client_.QuerySql(sql);  // a read run for its effect (a pragma)
      if (!rows.ok()) failed = rows.error();
    } else {
      auto done = client_.ExecSql(sql);
      if (!done.ok()) failed = done.error();
    }
    if (!failed) return;
    if (!RetryBusy(*failed, kind, deadline, &pause_ms)) Fail(*failed, kind);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

void DqliteDatabase::Ready() {
  if (lost_) throw DbError(DbError::Failure::kDisconnected, 0, lost_why_);
  if (client_.connected()) return;
  if (in_txn_ && txn_sent_) Lose("the connection to the dqlite leader closed");
  // Outside a transaction, or before any of it was sent: a new connection
  // loses nothing.
  ++round_trips_;
  if (auto c = client_.Connect(); !c.ok()) {
    throw DbError(DbError::Failure::kNotLeader, 0, c.error().status().message());
  }
}

std::vector<dq::Step> DqliteDatabase::TakeQueued() {
  std::vector<dq::Step> steps;
  steps.reserve(queued_.size() + 1);
  for (dq::Stmt* stmt : queued_) steps.push_back(dq::Step{stmt, {}});
  queued_.clear();
  return steps;
}

void DqliteDatabase::CheckQueued(const dq::Result<dq::StepAnswer>& answer) {
  if (answer.ok()) return;
  if (!client_.connected()) Fail(answer.error(), SqlKind::kSavepoint);
  // A savepoint statement failed: what the transaction holds is no longer
  // what its caller believes, so none of it may commit.
  ++round_trips_;
  (void)client_.Exec(ControlStmt("ROLLBACK"));
  Lose("a savepoint statement failed (" + answer.error().ToString() +
       "); the transaction was rolled back");
}

void DqliteDatabase::SendQueued() {
  if (queued_.empty()) return;
  std::vector<dq::Step> steps = TakeQueued();
  ++round_trips_;
  ++state_;
  for (const auto& answer : client_.Pipeline(steps)) CheckQueued(answer);
}

dq::StepAnswer DqliteDatabase::Send(dq::Stmt& stmt, const std::vector<dq::Value>& params,
                                    SqlKind kind) {
  Ready();
  const bool query = kind == SqlKind::kRows;
  std::vector<dq::Step> steps = TakeQueued();
  const size_t main = steps.size();
  steps.push_back(dq::Step{&stmt, params, query});
  // The queries the caller said come next ride along (read-only: harmless
  // whatever the main statement does).
  std::vector<DqliteStatement*> prefetch;
  prefetch.swap(prefetch_);
  for (DqliteStatement* p : prefetch) steps.push_back(dq::Step{&p->stmt_, p->values_, true});
  if (in_txn_) txn_sent_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_wait_);
  int pause_ms = 0;
  for (;;) {
    ++round_trips_;
    ++state_;
    auto answers = client_.Pipeline(steps);
    if (client_.connected()) {
      for (size_t i = 0; i < main; ++i) CheckQueued(answers[i]);
    }
    auto& answer = answers[main];
    if (answer.ok()) {
      for (size_t i = 0; i < prefetch.size(); ++i) {
        auto& fetched = answers[main + 1 + i];
        if (fetched.ok()) prefetch[i]->Prefetched(std::move(fetched->rows), state_);
      }
      return std::move(answer).value();
    }
    if (!RetryBusy(answer.error(), kind, deadline, &pause_ms)) Fail(answer.error(), kind);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    // The queued ones went out with the first try; the prefetches are dropped.
    steps = {dq::Step{&stmt, params, query}};
    prefetch.clear();
  }
}

void DqliteDatabase::Prefetch(Statement& q) {
  auto* s = dynamic_cast<DqliteStatement*>(&q);
  if (!s || s->kind_ != SqlKind::kRows) return;
  if (std::find(prefetch_.begin(), prefetch_.end(), s) == prefetch_.end()) prefetch_.push_back(s);
}

void DqliteDatabase::Forget(DqliteStatement* s) {
  prefetch_.erase(std::remove(prefetch_.begin(), prefetch_.end(), s), prefetch_.end());
}

bool DqliteDatabase::RetryBusy(const dq::Error& error, SqlKind kind,
                               std::chrono::steady_clock::time_point deadline,
                               int* pause_ms) const {
  if (error.kind() != dq::ErrorKind::kBusy || !client_.connected()) return false;
  if (kind == SqlKind::kRows && in_txn_) return false;
  // Inside a transaction a busy statement is the caller's to handle (SQLite
  // would not wait either: it could be the deadlock a busy handler avoids).
  if (kind != SqlKind::kBeginWrite && in_txn_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return false;
  const int left = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count());
  *pause_ms = std::max(1, std::min({*pause_ms > 0 ? *pause_ms * 2 : 1, 10, left}));
  return true;
}

void DqliteDatabase::Lose(const std::string& why) {
  queued_.clear();
  lost_ = true;
  lost_why_ = why + "; nothing of the transaction was committed";
  throw DbError(DbError::Failure::kDisconnected, 0, lost_why_);
}

void DqliteDatabase::Fail(const dq::Error& error, SqlKind kind) {
  if (!client_.connected()) {
    // The connection is gone, and with it any transaction the node held.
    const bool committing = kind == SqlKind::kCommit || (!in_txn_ && kind == SqlKind::kWrite);
    if (kind == SqlKind::kCommit) {
      in_txn_ = false;
      txn_sent_ = false;
      queued_.clear();
    }
    if (committing && error.outcome_unknown()) {
      throw DbError(DbError::Failure::kUnknownOutcome, static_cast<int>(error.code()),
                    error.status().message());
    }
    if (in_txn_ && txn_sent_) Lose(error.status().message());
    throw DbError(DbError::Failure::kDisconnected, static_cast<int>(error.code()),
                  error.status().message());
  }
  switch (error.kind()) {
    case dq::ErrorKind::kBusy:
      throw DbError(DbError::Failure::kBusy, SQLITE_BUSY, error.status().message());
    case dq::ErrorKind::kSql: {
      const int code = static_cast<int>(error.code());
      // SQLite's own text (the constraint it names), as the file engine has it.
      throw DbError(SqliteFailure(code), code,
                    error.node_message().empty() ? error.status().message() : error.node_message());
    }
    case dq::ErrorKind::kTooLarge:
      throw DbError(DbError::Failure::kOther, SQLITE_TOOBIG, error.status().message());
    default:
      throw DbError(DbError::Failure::kOther, static_cast<int>(error.code()),
                    error.status().message());
  }
}

dq::Stmt& DqliteDatabase::ControlStmt(const std::string& sql) {
  auto it = control_.find(sql);
  if (it == control_.end()) it = control_.emplace(sql, PrepareOnLeader(sql)).first;
  return it->second;
}

void DqliteDatabase::Control(SqlKind kind, const std::string& sql) {
  ++state_;  // what a prefetched query read may no longer hold (ROLLBACK TO)
  if (lost_ && kind != SqlKind::kRollback) {
    throw DbError(DbError::Failure::kDisconnected, 0, lost_why_);
  }
  switch (kind) {
    case SqlKind::kBegin:
    case SqlKind::kBeginWrite:
      if (in_txn_) {
        throw DbError(DbError::Failure::kOther, SQLITE_ERROR,
                      "cannot start a transaction within a transaction");
      }
      if (kind == SqlKind::kBegin) {
        queued_.push_back(&ControlStmt(sql));  // goes out with the first read
      } else {
        Send(ControlStmt(sql), {}, kind);
      }
      in_txn_ = true;
      txn_sent_ = kind == SqlKind::kBeginWrite;
      return;
    case SqlKind::kSavepoint:
    case SqlKind::kRelease:
    case SqlKind::kRollbackTo:
      if (!in_txn_) {
        // SQLite would open (SAVEPOINT) or fail (the others); the store only
        // uses savepoints inside a transaction, and tracks nothing else.
        Misuse("on dqlite, savepoints are run inside BEGIN … COMMIT only");
      }
      queued_.push_back(&ControlStmt(sql));
      return;
    case SqlKind::kCommit:
      if (!in_txn_) {
        throw DbError(DbError::Failure::kOther, SQLITE_ERROR,
                      "cannot commit - no transaction is active");
      }
      if (!txn_sent_) {  // a BEGIN that never went out: nothing to commit
        queued_.clear();
      } else {
        // What is queued goes first, on its own: a savepoint statement that
        // failed must stop the COMMIT, not be learnt of after it.
        SendQueued();
        Send(ControlStmt(sql), {}, kind);
      }
      in_txn_ = false;
      txn_sent_ = false;
      return;
    case SqlKind::kRollback: {
      if (!in_txn_) {
        throw DbError(DbError::Failure::kOther, SQLITE_ERROR,
                      "cannot rollback - no transaction is active");
      }
      queued_.clear();
      const bool send = txn_sent_ && !lost_ && client_.connected();
      in_txn_ = false;
      txn_sent_ = false;
      lost_ = false;
      if (send) Send(ControlStmt(sql), {}, kind);
      return;
    }
    case SqlKind::kRows:
    case SqlKind::kWrite:
      break;
  }
  Misuse("not a transaction control statement: \"" + sql + "\"");
}

}  // namespace roster::store

// dqlite_database.h — the store's SQL interface (sql.h) on a dqlite cluster,
// through the wire client (dqlite/client.h): the Database every Registry of
// the dqlite engine runs on, so the store's SQL is the same on both engines.
//
// Statements. A Statement is a statement prepared on the leader (a
// dqlite::Stmt), prepared once and run many times. Its kind is read from its
// SQL (dqlite/sql_lex.h), because a 1.11 node must get an EXEC for a statement
// that writes and a QUERY for one that returns rows: executeStep() runs the
// QUERY at its first call and reads the whole result (every part), then steps
// through it locally; on a writing statement it runs the EXEC and returns
// false. A node never clears bindings, so every parameter is sent on every
// run (unbound ones as NULL).
//
// Round trips. SAVEPOINT, RELEASE, ROLLBACK TO and a deferred BEGIN are not
// sent when they run: they are queued and go out in the same write as the
// next statement that needs an answer (Client::Pipeline). A request in its
// own savepoint so costs the round trips of its own statements only. Queries
// the store says come next (Prefetch: a heartbeat's row and the feed's head
// after its UPDATE) go out in that same write too, and their rows wait on
// their statements: a plain heartbeat in a group-commit batch is one round
// trip (17-20 us on loopback, plus the wake-ups on both sides) instead of
// three. A prefetched result is used only if nothing was sent or run since and
// the statement is bound as it was. A queued statement that fails (it cannot,
// short of a node failure) rolls the whole transaction back: see "lost"
// below. ROLLBACK drops whatever is queued unsent.
//
// Transactions are tracked here from the control statements sent (1.11 does
// not report whether one is open); InTransaction() is what they add up to.
// Transaction control must therefore be run as statements of their own, never
// inside a multi-statement Exec() script (refused).
//
// Connection loss. The client never reconnects under an open transaction (it
// died with the connection: the node rolled it back). The transaction is then
// "lost": InTransaction() stays true and every statement fails (kDisconnected,
// nothing applied) until the caller's ROLLBACK, which ends it without a round
// trip — so a batch that lost its connection midway cannot go on in autocommit
// and commit half of itself. A COMMIT whose answer was lost is the one
// statement whose outcome is unknown (kUnknownOutcome); so is a write outside
// a transaction. The next statement outside a transaction reconnects to the
// leader (bounded by the client's connect timeout).
//
// Lock wait. A node answers "database is locked" at once when another
// connection (a `dqlite` shell's transaction) holds the write lock, and a
// busy timeout must never be set on a node (it would sleep the node's one
// event-loop thread). So BEGIN IMMEDIATE, and a write outside a transaction,
// that meet the lock are retried here every 1 to 10 ms until the lock wait
// ends (SetLockWait; Options::lock_wait_ms by default), then fail kBusy.
//
// Thread-safety: none; one thread, like a SQLite connection.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/dqlite/client.h"
#include "store/dqlite/sql_lex.h"
#include "store/sql.h"

namespace roster::store {

class DqliteStatement;

class DqliteDatabase final : public Database {
 public:
  struct Options {
    dqlite::ClientOptions client;  // nodes, database name, deadlines
    int lock_wait_ms = 5000;       // default wait for another connection's write lock
    // The first connection may wait this long for a leader (a node that is
    // starting holds its election first); later ones the client's
    // connect_timeout.
    std::chrono::milliseconds open_timeout{10000};
  };
  // Connects to the leader and opens options.client.database.
  static Result<std::unique_ptr<DqliteDatabase>> Open(Options options);
  ~DqliteDatabase() override;
  DqliteDatabase(const DqliteDatabase&) = delete;
  DqliteDatabase& operator=(const DqliteDatabase&) = delete;

  // Database.
  std::unique_ptr<Statement> Prepare(const std::string& sql) override;
  void Exec(const std::string& sql) override;
  bool InTransaction() const override { return in_txn_; }
  void SetLockWait(int ms) override { lock_wait_ = ms >= 0 ? ms : options_.lock_wait_ms; }
  // Nothing to do: a commit returns once a Raft majority has it on disk.
  Status SyncCommits() override { return Status::Ok(); }

  // The wire client, for what has no SQL (DUMP). REQUIRES: no transaction.
  dqlite::Client& client() { return client_; }
  // A query that will run right after the next statement sent (Database::
  // Prefetch): it goes out in the same write, and its rows wait on it.
  void Prefetch(Statement& q) override;

  // Round trips so far (requests written), and prefetched results used
  // (round trips saved): for tests and benchmarks.
  uint64_t round_trips() const { return round_trips_; }
  uint64_t prefetch_hits() const { return prefetch_hits_; }

 private:
  friend class DqliteStatement;
  explicit DqliteDatabase(Options options);

  // Runs a control statement (queued or sent, see the file comment).
  void Control(dqlite::SqlKind kind, const std::string& sql);
  // Sends what is queued, `stmt` (an EXEC, or a QUERY for kRows) and the
  // prefetches in one write; `stmt`'s answer, or throws its DbError. A busy
  // statement outside a transaction is retried up to the lock wait.
  dqlite::StepAnswer Send(dqlite::Stmt& stmt, const std::vector<dqlite::Value>& params,
                          dqlite::SqlKind kind);
  // Sends what is queued on its own.
  void SendQueued();
  // A destroyed statement is no longer prefetched.
  void Forget(DqliteStatement* statement);
  // Prepares `sql` on the leader (connecting first if needed).
  dqlite::Stmt PrepareOnLeader(const std::string& sql);

  // Throws unless a statement may be sent now: connects when not in a
  // transaction, refuses in a lost one.
  void Ready();
  // The queued control statements, as steps to send before the next one.
  std::vector<dqlite::Step> TakeQueued();
  // Checks the answer to a queued step: a failure loses the transaction.
  void CheckQueued(const dqlite::Result<dqlite::StepAnswer>& answer);
  // Throws the DbError for `error`, a failure of a statement of `kind`; a
  // connection failure loses the open transaction.
  [[noreturn]] void Fail(const dqlite::Error& error, dqlite::SqlKind kind);
  // Whether a failure of `kind` with `error` may be retried after a pause:
  // the write lock was taken and the wait has time left.
  bool RetryBusy(const dqlite::Error& error, dqlite::SqlKind kind,
                 std::chrono::steady_clock::time_point deadline, int* pause_ms) const;
  // Marks the open transaction lost (`why`) and throws kDisconnected.
  [[noreturn]] void Lose(const std::string& why);
  // A control statement's node statement, prepared once per connection.
  dqlite::Stmt& ControlStmt(const std::string& sql);

  const Options options_;
  dqlite::Client client_;
  int lock_wait_;
  bool in_txn_ = false;
  bool txn_sent_ = false;  // some of the open transaction reached the node
  bool lost_ = false;      // the open transaction died with its connection
  std::string lost_why_;
  std::map<std::string, dqlite::Stmt> control_;  // by SQL: stable addresses
  std::vector<dqlite::Stmt*> queued_;            // control statements not sent yet
  std::vector<DqliteStatement*> prefetch_;       // queries to send with the next statement
  // Moves with every statement sent and every control statement run: a
  // prefetched result is good while it has not moved since.
  uint64_t state_ = 0;
  uint64_t round_trips_ = 0;
  uint64_t prefetch_hits_ = 0;
};

}  // namespace roster::store

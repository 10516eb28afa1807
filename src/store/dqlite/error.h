// error.h — what a failed dqlite call tells its caller: a roster::Status with
// a sentence a person can act on, plus the three facts a storage engine has
// to branch on and a Status cannot carry:
//
//   kind()              why it failed (below);
//   outcome_unknown()   the request may have been applied anyway — a write
//                       whose answer was lost, or that failed after a
//                       leadership change. The client flags every request
//                       that could have committed (EXEC, EXEC_SQL and
//                       membership changes); it cannot know whether the
//                       statement was the COMMIT of an explicit transaction,
//                       so a caller that knows it was not (a statement
//                       between BEGIN and COMMIT commits nothing) may treat
//                       it as not applied;
//   connection_dropped() the client closed the connection: Connect() again
//                       (prepared Stmts survive and re-prepare themselves).
//
// Everything else ("not applied") is certain: the node refused before doing
// anything, or SQLite rolled the statement back.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "util/status.h"

namespace roster::store::dqlite {

enum class ErrorKind {
  kSql,              // SQLite refused the statement (syntax, constraint, bind…)
  kBusy,             // "database is locked": another connection is writing
  kNotLeader,        // the node is not (any more) the leader
  kLeadershipLost,   // leadership moved while the write was being replicated
  kNodeError,        // the node failed to replicate (I/O error) or stopped mid-write
  kDisconnected,     // not connected, or the connection failed mid-call
  kTimeout,          // no complete answer before the call's deadline
  kNoLeader,         // Connect found no leader before its deadline
  kProtocol,         // the peer's bytes are not dqlite 1.11's protocol
  kInvalidArgument,  // refused before sending (NUL in text, too many params…)
  kTooLarge,         // a response over ConnOptions::max_message_bytes or a
                     // result over ClientOptions::max_result_bytes
};

// "sql", "busy", "not_leader", … (for logs and tests).
const char* ErrorKindName(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, Status status, bool outcome_unknown, bool connection_dropped,
        uint64_t code = 0, std::string node_message = "")
      : kind_(kind),
        status_(std::move(status)),
        outcome_unknown_(outcome_unknown),
        dropped_(connection_dropped),
        code_(code),
        node_message_(std::move(node_message)) {}

  ErrorKind kind() const { return kind_; }
  const Status& status() const { return status_; }
  bool outcome_unknown() const { return outcome_unknown_; }
  bool connection_dropped() const { return dropped_; }
  // The code of a FAILURE response (SQLite's extended result code, or
  // dqlite's); 0 when the error did not come from the node.
  uint64_t code() const { return code_; }
  // The node's own text of a FAILURE (SQLite's message, e.g. "UNIQUE
  // constraint failed: sessions.name"); "" when the error did not come from
  // the node. For logs and for mapping onto the store's errors only.
  const std::string& node_message() const { return node_message_; }
  // "kind: reason: message", for logs and tests.
  std::string ToString() const;

 private:
  ErrorKind kind_;
  Status status_;
  bool outcome_unknown_;
  bool dropped_;
  uint64_t code_;
  std::string node_message_;
};

// The request a failure belongs to, for its message and for whether a lost
// answer leaves the outcome unknown.
struct CallInfo {
  const char* name;  // "EXEC", "QUERY", …
  bool may_write;    // EXEC, EXEC_SQL, ADD, ASSIGN, REMOVE, TRANSFER
};

// The Error for a FAILURE response (`code`, `message`) from the node at
// `address` to `call`; `sql` (may be empty) is named in SQL errors.
Error FailureError(const std::string& address, const CallInfo& call, uint64_t code,
                   std::string_view message, std::string_view sql);

// A request refused before anything was sent (kInvalidArgument).
Error InvalidArgument(const CallInfo& call, const std::string& what);

// The roster::Status for an error of `kind` (and FAILURE `code`): constraint
// failures are conflict, bad values invalid_params, everything that a retry
// or a reconnect can cure unavailable, broken bytes internal.
Status StatusFor(ErrorKind kind, uint64_t code, std::string message);

// Either a value or an Error.
template <typename T>
using Result = ::roster::Result<T, Error>;

// The result of a call that returns nothing.
struct Done {};
using Outcome = Result<Done>;

}  // namespace roster::store::dqlite

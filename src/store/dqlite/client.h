// client.h — a C++ client of dqlite 1.11's wire protocol: finds the leader of
// a cluster, keeps one connection to it, runs prepared statements, SQL text
// and membership requests on it. (libdqlite 1.11 starts nodes but ships no
// client; node.h starts one in this process.)
//
// Design. One Client holds one connection to the leader and one database
// opened on it. A Stmt is a statement prepared on that connection: it keeps
// its SQL and the node's statement id, so a statement cache prepares once
// and runs many times with bound parameters; after a reconnect (the ids die
// with the connection) a Stmt re-prepares itself on its next use. A
// destroyed Stmt's id is FINALIZEd in the same write as the next request.
// Every call has a deadline (ClientOptions' timeouts when none is given) and
// every wait is bounded by it.
//
// Leader discovery (Connect): ask each known node, the last leader first, for
// the leader (LEADER); connect to the one named and check that it says it is
// the leader; then CLIENT and OPEN. Rounds repeat with exponential backoff
// until the deadline; addresses learnt from answers are remembered.
//
// Promise. The client never reconnects behind the caller's back: a
// transaction open on a connection dies with it, and silently carrying on
// elsewhere would run the rest of it as separate autocommit statements.
// When a call fails with connection_dropped(), every later call fails
// (kDisconnected) until Connect() succeeds. A failed call says whether it
// may have been applied (error.h): only a request that could write and whose
// answer was lost, or that failed during replication, is "unknown"; every
// other failure applied nothing. Malformed, truncated or oversized responses
// are errors (kProtocol, kTooLarge) that close the connection, never a read
// past a buffer or a wait past the deadline.
//
// What 1.11 does (read from its source, see docs/architecture.md): one write
// transaction per database at a time — a second connection writing gets
// kBusy ("database is locked") at once; EXEC and QUERY go to the leader
// only; QUERY_SQL runs only the first statement of its text; EXEC_SQL binds
// its parameters to the first statement only; EXEC of a statement that
// returns rows fails (code 100); bindings are never cleared, so Exec/Query
// of a Stmt take exactly its parameter count; some SQL aborts the node's
// process and is refused unsent (sql_guard.h).
//
// Cost. A call is one request write and one read on a warm connection
// (17-20 us on loopback TCP), plus one PREPARE round trip for a Stmt that is
// new or outlived its connection; a write's commit adds ~0.3 ms on the
// node (docs/performance.md). ExecBatch pays one round trip for many EXECs.
// A result arrives in ~4 KiB parts that are all read before the call
// returns; every part's body is kept, values are views into them.
//
// Thread-safety: none. One Client (and its Stmts) per thread, like a SQLite
// connection.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "store/dqlite/conn.h"
#include "store/dqlite/error.h"
#include "store/dqlite/rows.h"
#include "store/dqlite/value.h"
#include "store/dqlite/wire.h"

namespace roster::store::dqlite {

struct ClientOptions {
  std::vector<std::string> nodes;  // where to look for the leader (more are learnt)
  std::string database;            // OPENed after connecting; empty: membership requests only
  uint64_t client_id = 0;          // sent in CLIENT (1.11 does nothing with it)
  std::chrono::milliseconds call_timeout{5000};      // a call's deadline when given none
  std::chrono::milliseconds connect_timeout{10000};  // Connect's deadline when given none
  std::chrono::milliseconds attempt_timeout{1000};   // one node's share of a Connect round
  std::chrono::milliseconds backoff_min{5};          // pause after a round found no leader,
  std::chrono::milliseconds backoff_max{500};        // doubling up to this
  // false: connect only to a node of `nodes` that says it leads, never to
  // one it names (nothing is learnt). A cluster member's core sets it so
  // that it writes through its own node only, and only while that node
  // leads: when leadership moves, its calls fail instead of following.
  bool follow_leader = true;
  size_t max_result_bytes = 256 << 20;  // all parts of one query
  ConnOptions conn;
};

struct ExecResult {
  int64_t last_insert_id = 0;
  int64_t rows_affected = 0;
};

struct NodeInfo {
  uint64_t id = 0;
  std::string address;
  Role role = Role::kVoter;
};

// "voter", "standby" or "spare".
const char* RoleName(Role role);

// A file of a DUMP: the database and its WAL, as SQLite would have them.
struct DumpFile {
  std::string name;
  std::string data;
};

class Stmt;

// Asks the node at the other end of `conn` whom it thinks leads (LEADER):
// its own view, answered locally (id 0 and "" while it knows no leader).
// The node needs no CLIENT registration for it, so a connection may ask
// again and again (the cluster member's role watcher does every
// role_poll_ms).
Result<NodeInfo> AskLeader(Conn& conn, Deadline deadline);
// The cluster's configuration as the node at the other end of `conn` knows
// it (CLUSTER), without registering as a client.
Result<std::vector<NodeInfo>> AskCluster(Conn& conn, Deadline deadline);

// Parameters of a call: a braced list, a vector or a span of Values. A
// braced list lives until the end of the call's full expression.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<Value> list) : span_(list.begin(), list.size()) {}  // NOLINT
  Params(std::span<const Value> span) : span_(span) {}                             // NOLINT
  Params(const std::vector<Value>& v) : span_(v) {}                                // NOLINT
  std::span<const Value> span() const { return span_; }

 private:
  std::span<const Value> span_;
};

struct ClientShared;  // what Stmts share with their Client (client.cc)

// A prepared statement of one Client. Movable, not copyable.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& other) noexcept { *this = std::move(other); }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();  // queues the node's statement for FINALIZE (no I/O)

  const std::string& sql() const { return sql_; }
  // Parameters the statement takes (as of its last PREPARE).
  uint64_t params() const { return params_; }

 private:
  friend class Client;
  void Release();
  std::weak_ptr<ClientShared> owner_;
  std::string sql_;
  uint64_t generation_ = 0;  // connection the id belongs to; 0: none yet
  uint32_t id_ = 0;
  uint64_t params_ = 0;
};

// One request of a pipeline (Client::Pipeline, ExecBatch): the EXEC of
// `stmt`, or its QUERY when `query` is set.
struct Step {
  Stmt* stmt;
  Params params;
  bool query = false;
};

// The answer to one step: an EXEC's result, or a QUERY's rows.
struct StepAnswer {
  ExecResult exec;
  Rows rows;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Finds the leader and connects to it, replacing any current connection.
  Outcome Connect(Deadline deadline = {});
  bool connected() const { return conn_ != nullptr && conn_->is_open(); }
  void Disconnect();
  // The node connected to ("" when not), and its id.
  const std::string& leader_address() const;
  uint64_t leader_id() const { return leader_id_; }
  // Known node addresses (the configured ones and those learnt).
  const std::vector<std::string>& nodes() const { return nodes_; }

  // Statements of options.database (kInvalidArgument when it is empty).
  Result<Stmt> Prepare(std::string sql, Deadline deadline = {});
  Result<ExecResult> Exec(Stmt& stmt, Params params = {}, Deadline deadline = {});
  Result<Rows> Query(Stmt& stmt, Params params = {}, Deadline deadline = {});
  // The EXECs of `steps` in one write, their answers read in order: one
  // round trip for all (a 16-row transaction took 0.44-0.52 ms against
  // 0.66-0.81 ms as 18 calls). Every step has its own result. The
  // node runs each step it received even when an earlier one failed, so
  // batch only steps that may run regardless — statements of one
  // transaction whose failures leave it open (constraint or SQL errors do;
  // SQLite ends it on SQLITE_FULL, IOERR or NOMEM, after which the rest
  // would run in autocommit). A connection failure fails every step whose
  // answer was not read (outcome unknown for all of them).
  std::vector<Result<ExecResult>> ExecBatch(std::span<const Step> steps, Deadline deadline = {});
  // Any steps, EXECs and QUERYs, in one write, their answers read in order:
  // one round trip for all (the store sends the savepoint statements it
  // queued, the statement it runs and the queries it knows come next this
  // way). As ExecBatch, every step runs even when one before it failed; a
  // failure to send fails them all.
  std::vector<Result<StepAnswer>> Pipeline(std::span<const Step> steps, Deadline deadline = {});
  // SQL text, possibly several statements; `params` bind to the first.
  Result<ExecResult> ExecSql(std::string_view sql, Params params = {}, Deadline deadline = {});
  // The first statement of `sql` (1.11 ignores any after it).
  Result<Rows> QuerySql(std::string_view sql, Params params = {}, Deadline deadline = {});
  // A consistent copy of options.database (DUMP): the database file and its WAL.
  Result<std::vector<DumpFile>> Dump(Deadline deadline = {});

  // Membership, through the connected leader.
  Result<NodeInfo> Leader(Deadline deadline = {});  // whom the node thinks leads
  Result<std::vector<NodeInfo>> Cluster(Deadline deadline = {});
  Outcome Add(uint64_t id, std::string_view address, Deadline deadline = {});
  Outcome Assign(uint64_t id, Role role, Deadline deadline = {});
  Outcome Remove(uint64_t id, Deadline deadline = {});
  // Hands leadership to node `id` (a graceful stop of the leader).
  Outcome Transfer(uint64_t id, Deadline deadline = {});

  // For tests: the connection's socket, -1 when not connected.
  int fd() const { return connected() ? conn_->fd() : -1; }

 private:
  Deadline CallDeadline(Deadline d) const;
  // Connects to `address` if it says it is the leader; otherwise sets
  // *hint to the leader it names ("" if none) and *why to what happened.
  std::unique_ptr<Conn> TryNode(const std::string& address, Deadline deadline, std::string* hint,
                                std::string* why);
  // Sends `request` (encoded messages) after any pending FINALIZEs, and
  // reads the FINALIZEs' answers.
  Outcome Transmit(const std::string& request, const CallInfo& call, Deadline deadline);
  // Transmit, then the request's first response; a FAILURE becomes an Error.
  Result<Message> Call(const std::string& request, const CallInfo& call, Deadline deadline,
                       std::string_view sql = {});
  // Appends the EXEC or QUERY of `stmt` to `e`, preparing it first if
  // needed; the Error (its message after `step`) when it cannot be sent.
  std::optional<Error> EncodeStmt(Request type, const CallInfo& call, Stmt& stmt, Params params,
                                  Deadline deadline, Encoder* e, const std::string& step = "");
  // EXEC_SQL or QUERY_SQL of `sql` (checked first), and its first answer.
  Result<Message> CallSql(Request type, const CallInfo& call, std::string_view sql, Params params,
                          Deadline deadline);
  // Reads the next message of the current call.
  Result<Message> Next(const CallInfo& call, Deadline deadline, std::string_view sql);
  // kInvalidArgument for `call` when no database was opened; nullopt if one was.
  std::optional<Error> NoDatabase(const CallInfo& call) const;
  // A decode failure: closes the connection.
  Error Malformed(const CallInfo& call, const std::string& what);
  // Makes sure `stmt` has an id on the current connection.
  Outcome Ready(Stmt& stmt, Deadline deadline);
  Result<ExecResult> DecodeResult(Result<Message> m, const CallInfo& call);
  Result<Rows> ReadRows(Result<Message> first, const CallInfo& call, Deadline deadline,
                        std::string_view sql);
  Outcome ExpectEmpty(Result<Message> m, const CallInfo& call);

  const ClientOptions options_;
  std::vector<std::string> nodes_;
  std::shared_ptr<ClientShared> shared_;
  std::unique_ptr<Conn> conn_;
  uint64_t leader_id_ = 0;
  std::string last_leader_;
};

}  // namespace roster::store::dqlite

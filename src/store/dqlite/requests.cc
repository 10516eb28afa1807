// requests.cc — each request the Client sends, and the decoding of its answer
// (dqlite v1.11.1 src/request.h, response.h, gateway.c).
#include <algorithm>

#include "store/dqlite/client.h"
#include "store/dqlite/sql_guard.h"
#include "store/dqlite/wire.h"

namespace roster::store::dqlite {
namespace {

const CallInfo kExec{"EXEC", true};
const CallInfo kQuery{"QUERY", false};
const CallInfo kExecSql{"EXEC_SQL", true};
const CallInfo kQuerySql{"QUERY_SQL", false};
const CallInfo kDump{"DUMP", false};
const CallInfo kLeader{"LEADER", false};
const CallInfo kCluster{"CLUSTER", false};
const CallInfo kAdd{"ADD", true};
const CallInfo kAssign{"ASSIGN", true};
const CallInfo kRemove{"REMOVE", true};
const CallInfo kTransfer{"TRANSFER", true};

// Why `params` cannot be sent ("" if they can). A prepared statement gets
// exactly its count: a 1.11 node never clears bindings, so a parameter left
// out would silently keep the value of the previous call. SQL text takes at
// most what a tuple can count.
std::string BadParams(std::span<const Value> params, uint64_t count, bool exact) {
  if (params.size() > kMaxParams) {
    return "dqlite binds at most " + std::to_string(kMaxParams) + " parameters; " +
           std::to_string(params.size()) + " given";
  }
  if (exact ? params.size() != count : params.size() > count) {
    return "the statement takes " + std::string(exact ? "" : "at most ") + std::to_string(count) +
           " parameters; " + std::to_string(params.size()) + " given";
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& v = params[i];
    if ((v.type() == Type::kText || v.type() == Type::kIso8601) && ContainsNul(v.raw_bytes())) {
      return "parameter " + std::to_string(i + 1) +
             " is text with a NUL byte (dqlite text ends at one; bind it as a blob)";
    }
    if (v.type() == Type::kUnixTime) {
      return "parameter " + std::to_string(i + 1) +
             " is a UNIXTIME, which dqlite 1.11 cannot bind (bind an integer)";
    }
  }
  return "";
}

}  // namespace

Result<ExecResult> Client::DecodeResult(Result<Message> m, const CallInfo& call) {
  if (!m.ok()) return m.error();
  Decoder d(m->view());
  uint64_t last = 0, rows = 0;
  if (m->type != Response::kResult || !d.U64(&last) || !d.U64(&rows)) {
    return Malformed(call, "expected RESULT");
  }
  return ExecResult{static_cast<int64_t>(last), static_cast<int64_t>(rows)};
}

Outcome Client::ExpectEmpty(Result<Message> m, const CallInfo& call) {
  if (!m.ok()) return m.error();
  if (m->type != Response::kEmpty) return Malformed(call, "expected EMPTY");
  return Done{};
}

Result<Rows> Client::ReadRows(Result<Message> m, const CallInfo& call, Deadline deadline,
                              std::string_view sql) {
  Rows rows;
  for (;;) {
    if (!m.ok()) return m.error();
    if (m->type != Response::kRows) return Malformed(call, "expected ROWS");
    if (rows.bytes() + m->body.size() > options_.max_result_bytes) {
      const std::string address = conn_->address();
      conn_->Close();
      return ConnError(address, ErrorKind::kTooLarge, call,
                       "the result exceeds " + std::to_string(options_.max_result_bytes) + " bytes",
                       true, true);
    }
    bool done = false;
    std::string why;
    if (!rows.AppendPart(std::move(m->body), &done, &why)) return Malformed(call, why);
    if (done) return rows;
    m = Next(call, deadline, sql);
  }
}

std::optional<Error> Client::EncodeStmt(Request type, const CallInfo& call, Stmt& stmt,
                                        Params params, Deadline deadline, Encoder* e,
                                        const std::string& step) {
  if (auto ready = Ready(stmt, deadline); !ready.ok()) return ready.error();
  if (auto bad = BadParams(params.span(), stmt.params_, true); !bad.empty()) {
    return InvalidArgument(call, step + bad);
  }
  e->Begin(type);
  e->U32Pair(0, stmt.id_);
  e->Params(params.span());
  e->End();
  return std::nullopt;
}

Result<ExecResult> Client::Exec(Stmt& stmt, Params params, Deadline deadline) {
  deadline = CallDeadline(deadline);
  Encoder e;
  if (auto bad = EncodeStmt(Request::kExec, kExec, stmt, params, deadline, &e)) return *bad;
  return DecodeResult(Call(e.bytes(), kExec, deadline, stmt.sql_), kExec);
}

Result<Rows> Client::Query(Stmt& stmt, Params params, Deadline deadline) {
  deadline = CallDeadline(deadline);
  Encoder e;
  if (auto bad = EncodeStmt(Request::kQuery, kQuery, stmt, params, deadline, &e)) return *bad;
  return ReadRows(Call(e.bytes(), kQuery, deadline, stmt.sql_), kQuery, deadline, stmt.sql_);
}

std::vector<Result<StepAnswer>> Client::Pipeline(std::span<const Step> steps, Deadline deadline) {
  deadline = CallDeadline(deadline);
  const bool writes =
      std::any_of(steps.begin(), steps.end(), [](const Step& s) { return !s.query; });
  const CallInfo& call = writes ? kExec : kQuery;
  auto fail_all = [&](const Error& e) {
    std::vector<Result<StepAnswer>> out;
    out.reserve(steps.size());
    while (out.size() < steps.size()) out.push_back(e);
    return out;
  };
  // Every step is prepared and checked before anything is sent.
  Encoder e;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    const std::string at = "step " + std::to_string(i + 1) + ": ";
    if (auto bad =
            EncodeStmt(step.query ? Request::kQuery : Request::kExec, step.query ? kQuery : kExec,
                       *step.stmt, step.params, deadline, &e, at)) {
      return fail_all(*bad);
    }
  }
  if (auto sent = Transmit(e.bytes(), call, deadline); !sent.ok()) return fail_all(sent.error());
  std::vector<Result<StepAnswer>> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    const CallInfo& info = step.query ? kQuery : kExec;
    if (!connected()) {
      const Error lost = ConnError(conn_->address(), ErrorKind::kDisconnected, info,
                                   "the connection closed before this step's answer", true, false);
      while (out.size() < steps.size()) out.push_back(lost);
      break;
    }
    auto first = Next(info, deadline, step.stmt->sql_);
    if (step.query) {
      auto rows = ReadRows(std::move(first), info, deadline, step.stmt->sql_);
      if (!rows.ok()) {
        out.push_back(rows.error());
      } else {
        out.push_back(StepAnswer{{}, std::move(rows).value()});
      }
    } else {
      auto result = DecodeResult(std::move(first), info);
      if (!result.ok()) {
        out.push_back(result.error());
      } else {
        out.push_back(StepAnswer{*result, {}});
      }
    }
  }
  return out;
}

std::vector<Result<ExecResult>> Client::ExecBatch(std::span<const Step> steps, Deadline deadline) {
  std::vector<Result<ExecResult>> out;
  out.reserve(steps.size());
  for (auto& answer : Pipeline(steps, deadline)) {
    out.push_back(answer.ok() ? Result<ExecResult>(answer->exec)
                              : Result<ExecResult>(Error(answer.error())));
  }
  return out;
}

Result<Message> Client::CallSql(Request type, const CallInfo& call, std::string_view sql,
                                Params params, Deadline deadline) {
  if (auto none = NoDatabase(call)) return *none;
  if (ContainsNul(sql)) return InvalidArgument(call, "the SQL contains a NUL byte");
  if (auto unsafe = UnsafeSql(sql); !unsafe.empty()) return InvalidArgument(call, unsafe);
  if (auto bad = BadParams(params.span(), kMaxParams, false); !bad.empty()) {
    return InvalidArgument(call, bad);
  }
  Encoder e;
  e.Begin(type);
  e.U64(0);
  e.Text(sql);
  e.Params(params.span());
  e.End();
  return Call(e.bytes(), call, deadline, sql);
}

Result<ExecResult> Client::ExecSql(std::string_view sql, Params params, Deadline deadline) {
  return DecodeResult(CallSql(Request::kExecSql, kExecSql, sql, params, CallDeadline(deadline)),
                      kExecSql);
}

Result<Rows> Client::QuerySql(std::string_view sql, Params params, Deadline deadline) {
  deadline = CallDeadline(deadline);
  return ReadRows(CallSql(Request::kQuerySql, kQuerySql, sql, params, deadline), kQuerySql,
                  deadline, sql);
}

Result<std::vector<DumpFile>> Client::Dump(Deadline deadline) {
  if (auto none = NoDatabase(kDump)) return *none;
  Encoder e;
  e.Begin(Request::kDump);
  e.Text(options_.database);
  e.End();
  auto m = Call(e.bytes(), kDump, CallDeadline(deadline));
  if (!m.ok()) return m.error();
  Decoder d(m->view());
  uint64_t n = 0;
  if (m->type != Response::kFiles || !d.U64(&n) || n > d.remaining() / (2 * kWord)) {
    return Malformed(kDump, "expected FILES");
  }
  std::vector<DumpFile> files;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, data;
    uint64_t size = 0;
    if (!d.Text(&name) || !d.U64(&size) || !d.Bytes(size, &data)) {
      return Malformed(kDump, "file " + std::to_string(i) + " runs past the end");
    }
    files.push_back({std::string(name), std::string(data)});
  }
  return files;
}

Result<NodeInfo> Client::Leader(Deadline deadline) {
  Encoder e;
  e.Begin(Request::kLeader);
  e.U64(0);
  e.End();
  auto m = Call(e.bytes(), kLeader, CallDeadline(deadline));
  if (!m.ok()) return m.error();
  Decoder d(m->view());
  NodeInfo leader;
  std::string_view address;
  if (m->type != Response::kServer || !d.U64(&leader.id) || !d.Text(&address)) {
    return Malformed(kLeader, "expected SERVER");
  }
  leader.address = std::string(address);
  return leader;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kVoter:
      return "voter";
    case Role::kStandby:
      return "standby";
    case Role::kSpare:
      return "spare";
  }
  return "spare";
}

namespace {

std::string ClusterRequest() {
  Encoder e;
  e.Begin(Request::kCluster);
  e.U64(kClusterFormatV1);
  e.End();
  return std::string(e.bytes());
}

// The nodes of a SERVERS response; nullopt with *what set when it is not one.
std::optional<std::vector<NodeInfo>> DecodeServers(const Message& m, std::string* what) {
  Decoder d(m.view());
  uint64_t n = 0;
  if (m.type != Response::kServers || !d.U64(&n) || n > d.remaining() / (3 * kWord)) {
    *what = "expected SERVERS";
    return std::nullopt;
  }
  std::vector<NodeInfo> nodes;
  for (uint64_t i = 0; i < n; ++i) {
    NodeInfo node;
    std::string_view address;
    uint64_t role = 0;
    if (!d.U64(&node.id) || !d.Text(&address) || !d.U64(&role) ||
        role > static_cast<uint64_t>(Role::kSpare)) {
      *what = "node " + std::to_string(i) + " is truncated or has no role";
      return std::nullopt;
    }
    node.address = std::string(address);
    node.role = static_cast<Role>(role);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace

Result<std::vector<NodeInfo>> Client::Cluster(Deadline deadline) {
  auto m = Call(ClusterRequest(), kCluster, CallDeadline(deadline));
  if (!m.ok()) return m.error();
  std::string what;
  auto nodes = DecodeServers(*m, &what);
  if (!nodes) return Malformed(kCluster, what);
  return std::move(*nodes);
}

Result<std::vector<NodeInfo>> AskCluster(Conn& conn, Deadline deadline) {
  if (auto sent = conn.Send(ClusterRequest(), kCluster, deadline); !sent.ok()) return sent.error();
  auto m = conn.Recv(kCluster, deadline);
  if (!m.ok()) return m.error();
  if (m->type == Response::kFailure) {
    return conn.Fail(ErrorKind::kNotLeader, kCluster,
                     "dqlite node " + conn.address() + " did not answer CLUSTER", false);
  }
  std::string what;
  auto nodes = DecodeServers(*m, &what);
  if (!nodes)
    return conn.Fail(ErrorKind::kProtocol, kCluster, "malformed response: " + what, false);
  return std::move(*nodes);
}

Outcome Client::Add(uint64_t id, std::string_view address, Deadline deadline) {
  if (ContainsNul(address)) return InvalidArgument(kAdd, "the address contains a NUL byte");
  Encoder e;
  e.Begin(Request::kAdd);
  e.U64(id);
  e.Text(address);
  e.End();
  return ExpectEmpty(Call(e.bytes(), kAdd, CallDeadline(deadline)), kAdd);
}

Outcome Client::Assign(uint64_t id, Role role, Deadline deadline) {
  Encoder e;
  e.Begin(Request::kAssign);
  e.U64(id);
  e.U64(static_cast<uint64_t>(role));
  e.End();
  return ExpectEmpty(Call(e.bytes(), kAssign, CallDeadline(deadline)), kAssign);
}

Outcome Client::Remove(uint64_t id, Deadline deadline) {
  Encoder e;
  e.Begin(Request::kRemove);
  e.U64(id);
  e.End();
  return ExpectEmpty(Call(e.bytes(), kRemove, CallDeadline(deadline)), kRemove);
}

Outcome Client::Transfer(uint64_t id, Deadline deadline) {
  Encoder e;
  e.Begin(Request::kTransfer);
  e.U64(id);
  e.End();
  return ExpectEmpty(Call(e.bytes(), kTransfer, CallDeadline(deadline)), kTransfer);
}

}  // namespace roster::store::dqlite

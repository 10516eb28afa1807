// client.cc — the Client's connection: leader discovery, the request/response
// cycle with FAILURE mapping, and Stmt bookkeeping. requests.cc encodes and
// decodes the individual requests.
#include "store/dqlite/client.h"

#include <algorithm>
#include <thread>

#include "store/dqlite/sql_guard.h"
#include "store/dqlite/wire.h"

namespace roster::store::dqlite {

// Shared by a Client and its Stmts, which may outlive it.
struct ClientShared {
  uint64_t generation = 0;  // of the current connection; bumped by Connect
  std::vector<std::pair<uint64_t, uint32_t>> finalize;  // (generation, id) of dead Stmts
};

namespace {

Error NotConnected(const CallInfo& call) {
  return Error(ErrorKind::kDisconnected,
               StatusFor(ErrorKind::kDisconnected, 0,
                         std::string(call.name) +
                             ": not connected to a dqlite leader (connect first); nothing was "
                             "applied"),
               false, true);
}

}  // namespace

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this == &other) return *this;
  Release();
  owner_ = std::move(other.owner_);
  sql_ = std::move(other.sql_);
  generation_ = std::exchange(other.generation_, 0);
  id_ = other.id_;
  params_ = other.params_;
  other.owner_.reset();
  return *this;
}

Stmt::~Stmt() { Release(); }

void Stmt::Release() {
  if (auto owner = owner_.lock(); owner && generation_ != 0 && generation_ == owner->generation) {
    owner->finalize.emplace_back(generation_, id_);
  }
  generation_ = 0;
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      nodes_(options_.nodes),
      shared_(std::make_shared<ClientShared>()) {}

Client::~Client() = default;

void Client::Disconnect() { conn_.reset(); }

const std::string& Client::leader_address() const {
  static const std::string kNone;
  return connected() ? conn_->address() : kNone;
}

Deadline Client::CallDeadline(Deadline d) const {
  return d == Deadline{} ? Clock::now() + options_.call_timeout : d;
}

Outcome Client::Connect(Deadline deadline) {
  const CallInfo call{"connect", false};
  if (deadline == Deadline{}) deadline = Clock::now() + options_.connect_timeout;
  Disconnect();
  if (nodes_.empty())
    return InvalidArgument(call, "no dqlite node addresses to ask for the leader");
  if (ContainsNul(options_.database))
    return InvalidArgument(call, "the database name contains a NUL byte");
  std::vector<std::pair<std::string, std::string>> last_reason;  // address -> what happened
  auto note = [&](const std::string& address, std::string why) {
    auto it = std::find_if(last_reason.begin(), last_reason.end(),
                           [&](const auto& r) { return r.first == address; });
    if (it == last_reason.end()) {
      last_reason.emplace_back(address, std::move(why));
    } else {
      it->second = std::move(why);
    }
  };
  auto backoff = options_.backoff_min;
  for (;;) {
    std::vector<std::string> order;
    if (!last_leader_.empty() && options_.follow_leader) order.push_back(last_leader_);
    for (const auto& n : nodes_) {
      if (n != last_leader_ || !options_.follow_leader) order.push_back(n);
    }
    for (const auto& address : order) {
      if (Clock::now() >= deadline) break;  // keep what each node last said
      std::string hint, why;
      std::unique_ptr<Conn> conn = TryNode(address, deadline, &hint, &why);
      note(address, why);
      if (!conn && !hint.empty() && hint != address && options_.follow_leader) {
        if (std::find(nodes_.begin(), nodes_.end(), hint) == nodes_.end()) nodes_.push_back(hint);
        std::string hint2, why2;
        conn = TryNode(hint, deadline, &hint2, &why2);
        note(hint, why2);
      }
      if (conn) {
        conn_ = std::move(conn);
        last_leader_ = conn_->address();
        ++shared_->generation;
        shared_->finalize.clear();  // those ids died with the old connection
        return Done{};
      }
    }
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(backoff, left));
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
  std::string message = "no dqlite leader found before the deadline:";
  for (const auto& [address, why] : last_reason) message += " " + why + ";";
  message.pop_back();
  return Error(ErrorKind::kNoLeader, StatusFor(ErrorKind::kNoLeader, 0, std::move(message)), false,
               true);
}

std::unique_ptr<Conn> Client::TryNode(const std::string& address, Deadline deadline,
                                      std::string* hint, std::string* why) {
  const Deadline attempt = std::min(deadline, Clock::now() + options_.attempt_timeout);
  auto dialed = Conn::Dial(address, options_.conn, attempt);
  if (!dialed.ok()) {
    *why = dialed.error().status().message();
    return nullptr;
  }
  std::unique_ptr<Conn> conn = std::move(dialed).value();
  auto fail = [&](const std::string& what) {
    *why = what;
    return nullptr;
  };
  const std::string node = "dqlite node " + address + " ";
  auto leader = AskLeader(*conn, attempt);
  if (!leader.ok()) return fail(leader.error().status().message());
  if (leader->address != address) {
    *hint = leader->address;
    return fail(node + (leader->address.empty() ? "knows no leader (an election may be running)"
                                                : "says the leader is " + *hint));
  }
  const uint64_t id = leader->id;
  // It leads: register and open the database in one write.
  Encoder e;
  e.Begin(Request::kClient);
  e.U64(options_.client_id);
  e.End();
  if (!options_.database.empty()) {
    e.Begin(Request::kOpen);
    e.Text(options_.database);
    e.U64(0);            // flags: ignored by 1.11
    e.Text("volatile");  // vfs: ignored by 1.11 (go-dqlite sends the same)
    e.End();
  }
  const CallInfo open{"CLIENT/OPEN", false};
  if (auto sent = conn->Send(e.bytes(), open, attempt); !sent.ok()) {
    return fail(sent.error().status().message());
  }
  auto welcome = conn->Recv(open, attempt);
  if (!welcome.ok()) return fail(welcome.error().status().message());
  if (welcome->type != Response::kWelcome) return fail(node + "did not answer CLIENT with WELCOME");
  if (!options_.database.empty()) {
    auto db = conn->Recv(open, attempt);
    if (!db.ok()) return fail(db.error().status().message());
    if (db->type != Response::kDb) {
      return fail(node + "could not open database \"" + options_.database + "\"");
    }
  }
  leader_id_ = id;
  return conn;
}

Result<NodeInfo> AskLeader(Conn& conn, Deadline deadline) {
  const CallInfo call{"LEADER", false};
  Encoder e;
  e.Begin(Request::kLeader);
  e.U64(0);
  e.End();
  if (auto sent = conn.Send(e.bytes(), call, deadline); !sent.ok()) return sent.error();
  auto m = conn.Recv(call, deadline);
  if (!m.ok()) return m.error();
  Decoder d(m->view());
  NodeInfo leader;
  std::string_view address;
  if (m->type != Response::kServer || m->schema != 0 || !d.U64(&leader.id) || !d.Text(&address)) {
    return conn.Fail(ErrorKind::kProtocol, call,
                     "dqlite node " + conn.address() +
                         " answered LEADER with something that is not a dqlite 1.11 SERVER "
                         "response",
                     false);
  }
  leader.address = std::string(address);
  return leader;
}

Error Client::Malformed(const CallInfo& call, const std::string& what) {
  const std::string address = conn_ ? conn_->address() : "";
  if (conn_) conn_->Close();
  return ConnError(address, ErrorKind::kProtocol, call, "malformed response: " + what, true, true);
}

Result<Message> Client::Next(const CallInfo& call, Deadline deadline, std::string_view sql) {
  auto m = conn_->Recv(call, deadline);
  if (!m.ok()) return m;
  if (m->schema != 0) return Malformed(call, "response schema " + std::to_string(m->schema));
  if (m->type != Response::kFailure) return m;
  Decoder d(m->view());
  uint64_t failure = 0;
  std::string_view message;
  if (!d.U64(&failure) || !d.Text(&message)) return Malformed(call, "truncated FAILURE");
  Error error = FailureError(conn_->address(), call, failure, message, sql);
  if (error.connection_dropped()) conn_->Close();
  return error;
}

Outcome Client::Transmit(const std::string& request, const CallInfo& call, Deadline deadline) {
  if (!connected()) return NotConnected(call);
  std::string joined;
  size_t finalizes = 0;
  if (!shared_->finalize.empty()) {
    Encoder e;
    for (auto [generation, id] : shared_->finalize) {
      if (generation != shared_->generation) continue;
      e.Begin(Request::kFinalize);
      e.U32Pair(0, id);
      e.End();
      ++finalizes;
    }
    shared_->finalize.clear();
    joined = e.bytes() + request;
  }
  // With several requests, a send that fails after the first is whole may
  // leave it applied.
  const size_t prefix = finalizes ? joined.size() - request.size() : 0;
  size_t first = request.size();
  if (Decoder d(request); request.size() >= kHeaderBytes) {
    uint64_t header = 0;
    d.U64(&header);
    first = kHeaderBytes + (header & 0xffffffffULL) * kWord;
  }
  const size_t complete_after = first < request.size() ? prefix + first - 1 : SIZE_MAX;
  if (auto sent = conn_->Send(finalizes ? joined : request, call, deadline, complete_after);
      !sent.ok()) {
    return sent.error();
  }
  for (size_t i = 0; i < finalizes; ++i) {
    auto m = conn_->Recv(call, deadline);  // EMPTY, or a FAILURE nobody needs
    if (!m.ok()) return m.error();
    if (m->type != Response::kEmpty && m->type != Response::kFailure) {
      return Malformed(call, "unexpected answer to FINALIZE");
    }
  }
  return Done{};
}

Result<Message> Client::Call(const std::string& request, const CallInfo& call, Deadline deadline,
                             std::string_view sql) {
  if (auto sent = Transmit(request, call, deadline); !sent.ok()) return sent.error();
  return Next(call, deadline, sql);
}

std::optional<Error> Client::NoDatabase(const CallInfo& call) const {
  if (!options_.database.empty()) return std::nullopt;
  return InvalidArgument(call, "this client opens no database (ClientOptions::database is empty)");
}

Outcome Client::Ready(Stmt& stmt, Deadline deadline) {
  const CallInfo call{"PREPARE", false};
  if (auto none = NoDatabase(call)) return *none;
  if (stmt.owner_.lock() != shared_)
    return InvalidArgument(call, "the statement belongs to another client");
  if (stmt.generation_ == shared_->generation && connected()) return Done{};
  if (ContainsNul(stmt.sql_)) return InvalidArgument(call, "the SQL contains a NUL byte");
  if (auto unsafe = UnsafeSql(stmt.sql_); !unsafe.empty()) return InvalidArgument(call, unsafe);
  Encoder e;
  e.Begin(Request::kPrepare);
  e.U64(0);
  e.Text(stmt.sql_);
  e.End();
  auto m = Call(e.bytes(), call, deadline, stmt.sql_);
  if (!m.ok()) return m.error();
  Decoder d(m->view());
  uint32_t db = 0, id = 0;
  uint64_t params = 0;
  if (m->type != Response::kStmt || !d.U32Pair(&db, &id) || !d.U64(&params)) {
    return Malformed(call, "expected STMT");
  }
  stmt.generation_ = shared_->generation;
  stmt.id_ = id;
  stmt.params_ = params;
  return Done{};
}

Result<Stmt> Client::Prepare(std::string sql, Deadline deadline) {
  Stmt stmt;
  stmt.owner_ = shared_;
  stmt.sql_ = std::move(sql);
  if (auto ready = Ready(stmt, CallDeadline(deadline)); !ready.ok()) return ready.error();
  return stmt;
}

}  // namespace roster::store::dqlite

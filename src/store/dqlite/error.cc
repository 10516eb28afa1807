// error.cc — the one table from error kinds and FAILURE codes to Status.
#include "store/dqlite/error.h"

#include "store/dqlite/protocol.h"

namespace roster::store::dqlite {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kSql:
      return "sql";
    case ErrorKind::kBusy:
      return "busy";
    case ErrorKind::kNotLeader:
      return "not_leader";
    case ErrorKind::kLeadershipLost:
      return "leadership_lost";
    case ErrorKind::kNodeError:
      return "node_error";
    case ErrorKind::kDisconnected:
      return "disconnected";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kNoLeader:
      return "no_leader";
    case ErrorKind::kProtocol:
      return "protocol";
    case ErrorKind::kInvalidArgument:
      return "invalid_argument";
    case ErrorKind::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

std::string Error::ToString() const {
  return std::string(ErrorKindName(kind_)) + ": " + status_.ToString();
}

Error InvalidArgument(const CallInfo& call, const std::string& what) {
  return Error(ErrorKind::kInvalidArgument,
               StatusFor(ErrorKind::kInvalidArgument, 0,
                         std::string(call.name) + ": " + what + "; nothing was sent"),
               false, false);
}

Error FailureError(const std::string& address, const CallInfo& call, uint64_t failure,
                   std::string_view message, std::string_view sql) {
  const std::string node = "dqlite node " + address + ", " + call.name + ": ";
  const std::string said = std::string(message) + " (code " + std::to_string(failure) + ")";
  auto make = [&](ErrorKind kind, std::string text, bool unknown, bool dropped) {
    return Error(kind, StatusFor(kind, failure, std::move(text)), unknown, dropped, failure,
                 std::string(message));
  };
  const uint64_t primary = failure & 0xff;
  if (failure == code::kIoErrNotLeader) {
    return make(ErrorKind::kNotLeader,
                node + "not the leader (any more); nothing was applied; reconnect to the leader",
                false, true);
  }
  if (failure == code::kNotFound) {
    // The node closed this connection's database when it lost leadership.
    return make(ErrorKind::kNotLeader,
                node + "the node no longer has this connection's database or statement " +
                    "(leadership moved); nothing was applied; reconnect to the leader",
                false, true);
  }
  if (failure == code::kIoErrLeadershipLost) {
    return make(ErrorKind::kLeadershipLost,
                node + "leadership was lost while the write was replicated; " +
                    "it may or may not have been applied: read it back before retrying " +
                    "anything that is not idempotent",
                call.may_write, true);
  }
  if (call.may_write && (failure == code::kAbort || primary == code::kIoErr)) {
    return make(ErrorKind::kNodeError,
                node + "the node stopped or failed to replicate the write (" + said +
                    "); it may or may not have been applied: read it back before retrying " +
                    "anything that is not idempotent",
                true, true);
  }
  if (primary == code::kBusy || primary == code::kLocked) {
    return make(ErrorKind::kBusy,
                node + said + ": another connection is writing to the database; " +
                    "nothing was applied; retry when it has committed",
                false, false);
  }
  if (failure == code::kDqliteProto || failure == code::kDqliteParse) {
    return make(ErrorKind::kProtocol,
                node + "the node could not parse the request (" + said + "); nothing was applied",
                false, false);
  }
  std::string text = node + said;
  if (!sql.empty()) {
    constexpr size_t kShown = 120;
    text += " in \"" + std::string(sql.substr(0, kShown)) + (sql.size() > kShown ? "…" : "") + "\"";
  }
  return make(ErrorKind::kSql, std::move(text), false, false);
}

Status StatusFor(ErrorKind kind, uint64_t code, std::string message) {
  switch (kind) {
    case ErrorKind::kSql:
      switch (code & 0xff) {  // the primary SQLite code
        case code::kConstraint:
          return Status::Conflict(std::move(message));
        case code::kMismatch:
        case code::kRange:
        case code::kTooBig:
          return Status::InvalidParams(std::move(message));
        default:
          return Status::Internal(std::move(message));
      }
    case ErrorKind::kBusy:
    case ErrorKind::kNotLeader:
    case ErrorKind::kLeadershipLost:
    case ErrorKind::kNodeError:
    case ErrorKind::kDisconnected:
    case ErrorKind::kTimeout:
    case ErrorKind::kNoLeader:
      return Status::Unavailable(std::move(message));
    case ErrorKind::kProtocol:
      return Status::Internal(std::move(message));
    case ErrorKind::kInvalidArgument:
      return Status::InvalidParams(std::move(message));
    case ErrorKind::kTooLarge:
      return Status::LimitExceeded(std::move(message));
  }
  return Status::Internal(std::move(message));
}

}  // namespace roster::store::dqlite

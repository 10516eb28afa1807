// status.h — the one error type that crosses Roster's module boundaries.
//
// A Status is either OK or carries a Code (with a stable string reason such as
// "not_found", used verbatim in the JSON-RPC API; util/error_table.h maps each
// Code to its reason, JSON-RPC code and rosterctl exit status), a message a
// person can act on, and optionally details a program can act on (sent in
// the error's `data` beside `reason`, e.g. "cause": "disk_full"). Result<T>
// holds either a T or a non-OK Status. Both are plain values: cheap to move,
// safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace roster {

// Values 0, 1, 2, ... in this order (none is given a value of its own). A new
// Code needs its row in util/error_table.cc (the build fails without one) and
// its line in docs/api.md (the ApiReference tests fail without one).
enum class Code {
  kOk = 0,
  kNotFound,
  kConflict,
  kInvalidState,
  kInvalidParams,
  kLimitExceeded,
  kCompacted,
  kUnavailable,
  kPermissionDenied,
  kInternal,
};

class Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status InvalidState(std::string m) { return {Code::kInvalidState, std::move(m)}; }
  static Status InvalidParams(std::string m) { return {Code::kInvalidParams, std::move(m)}; }
  static Status LimitExceeded(std::string m) { return {Code::kLimitExceeded, std::move(m)}; }
  static Status Compacted(std::string m) { return {Code::kCompacted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  // A machine-readable fact about the error: a key and an integer or a string.
  using Detail = std::pair<std::string, std::variant<int64_t, std::string>>;
  // A copy with one more detail.
  Status With(std::string key, std::variant<int64_t, std::string> value) const {
    Status s = *this;
    s.details_.emplace_back(std::move(key), std::move(value));
    return s;
  }
  const std::vector<Detail>& details() const { return details_; }
  // A copy with `code` and `prefix` before the message, keeping the details.
  Status Recast(Code code, const std::string& prefix) const {
    Status s = *this;
    s.code_ = code;
    s.message_ = prefix + message_;
    return s;
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The stable API string for the code, e.g. "invalid_state".
  std::string_view reason() const;
  // "reason: message", for logs and tests.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<Detail> details_;
};

// Either a value or a non-OK Status — or, with E, another error type for a
// layer that must say more than a Status can (store/dqlite/error.h).
template <typename T, typename E = Status>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::move(error)) {   // NOLINT: implicit by design
    if constexpr (std::is_same_v<E, Status>) assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok()
  const Status& status() const requires std::is_same_v<E, Status> { return std::get<Status>(v_); }
  const E& error() const { return std::get<E>(v_); }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

// data.cause of a write that may or may not have been applied: its commit's
// answer was lost (an engine that replicates, or a broken connection). Only
// reading it back, or sending it again with the same request_key, can tell.
inline constexpr std::string_view kCauseUnknownOutcome = "unknown_outcome";
bool IsUnknownOutcome(const Status& s);

}  // namespace roster

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define ROSTER_RETURN_IF_ERROR(expr) \
  do {                               \
    ::roster::Status _st = (expr);   \
    if (!_st.ok()) return _st;       \
  } while (0)

// jsonrpc.h — the daemon's JSON-RPC 2.0 codec, the one place that knows the
// wire's shape: parsing a request line (nesting bounded by max_json_depth),
// checking a message's envelope, the standard error codes, how an
// application error (a Status) is encoded, and the framing of results,
// errors, batches and notifications. docs/api.md describes the protocol for
// client authors.
//
// Errors on the wire are {code, message, data: {reason, ...details}}. The
// protocol's own errors use the standard codes below with the reason of the
// Status they carry (invalid_params, not_found); an application error takes
// its code from ErrorCode, i.e. from util/error_table.h.
//
// No state: every function is safe on any thread. Results travel as
// serialized text (produced on the reader or writer thread), so FrameResult
// wraps one in place instead of parsing or copying it.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error_table.h"
#include "util/status.h"

namespace roster::daemon::jsonrpc {

// The codes JSON-RPC 2.0 reserves (its section 5.1; util/error_table.h).
inline constexpr int kParseError = kRpcParseError;
inline constexpr int kInvalidRequest = kRpcInvalidRequest;
inline constexpr int kMethodNotFound = kRpcMethodNotFound;
inline constexpr int kInvalidParams = kRpcInvalidParams;
inline constexpr int kInternalError = kRpcInternalError;

// The JSON-RPC code of an application error with `code` (-32001 ...
// -32007; invalid_params is -32602, internal -32603): its row of the error
// table (util/error_table.h), where a new Code does not compile until it has
// one.
int ErrorCode(Code code);

// An error as it goes on the wire: its JSON-RPC code, and the Status that
// gives its message and data (reason, details).
struct Error {
  int code = kInternalError;
  Status status;

  // An application error: the code is ErrorCode(status.code()).
  static Error From(Status status);
  // The line is not JSON (reason invalid_params).
  static Error ParseError(std::string what);
  // The message is not a valid request (reason invalid_params).
  static Error InvalidRequest(std::string message);
  // No such method (reason not_found).
  static Error MethodNotFound(std::string_view method);
};

// Parses one request line. Nesting deeper than `max_depth` is
// limit_exceeded (an application error); anything else that is not JSON is
// a parse error.
Result<boost::json::value, Error> Parse(std::string_view line, size_t max_depth);

// One request of a message (the message itself, or an element of a batch)
// whose envelope is valid. Points into the message it was read from.
struct Request {
  boost::json::value id;              // null when absent
  bool notification = false;          // no `id` member: nothing is answered
  std::string method;                 // a method `known` accepted
  const boost::json::object* params;  // never null: empty when absent or null
};

// Checks the envelope, in this order: an object; `id` a string, an integer
// or null; `jsonrpc` "2.0"; `method` a string; no other members than these
// and `params`; a method `known` accepts; `params` an object or null. When
// the message is not a request to run, the error side is what to answer at
// once — nothing (nullopt) for a notification of an unknown method.
Result<Request, std::optional<std::string>> ReadRequest(const boost::json::value& message,
                                                        bool (*known)(const std::string&));

// What a batch without elements is answered.
std::string EmptyBatchResponse();

// A complete error response; `id` is null when it is not known.
std::string ErrorResponse(const boost::json::value& id, const Error& error);
// The same for an application error.
std::string ErrorResponse(const boost::json::value& id, const Status& status);

// Wraps a serialized result into its response, in place: a result may be
// tens of megabytes, and the big ones keep spare capacity for this envelope.
void FrameResult(const boost::json::value& id, std::string* result);

// The response to a batch from its elements' responses, in order; nullopt
// when there is none (every element was a notification).
std::optional<std::string> BatchResponse(std::vector<std::optional<std::string>>& responses);

// A notification line.
std::string Notification(std::string_view method, const boost::json::object& params);
// The text of a notification up to its params' value, for lines spelled out
// piecewise (watch events): `{"jsonrpc":"2.0","method":"<method>","params":`.
std::string NotificationPrefix(std::string_view method);

}  // namespace roster::daemon::jsonrpc

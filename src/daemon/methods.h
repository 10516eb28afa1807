// methods.h — the session.*, team.* and log.* methods of the API: decoding of
// each method's params (unknown fields, wrong types and missing fields are
// invalid_params naming the field) into an operation on a Registry, and
// whether that operation reads or writes. watch, unwatch and status are
// served by the dispatcher itself (rpc.h).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>

#include "store/registry.h"

namespace roster::daemon {

// An operation on a Registry; its result is returned as serialized JSON.
using Op = std::function<Result<std::string>(store::Registry&)>;

struct Call {
  bool write = false;  // runs on the writer (group commit) rather than a reader
  Op op;
};

// nullopt when `method` is not one of these methods; otherwise the decoded
// call or invalid_params.
std::optional<Result<Call>> DecodeCall(const std::string& method,
                                       const boost::json::object& params);

// True for every method of the API (including watch, unwatch and status).
bool IsKnownMethod(const std::string& method);

}  // namespace roster::daemon

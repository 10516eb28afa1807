// methods.h — the session.*, team.*, log.* and host.* methods of the API: decoding of
// each method's params (unknown fields, wrong types and missing fields are
// invalid_params naming the field) into an operation on a Registry, whether
// that operation reads or writes, and what it must look at first (a probe). watch, unwatch and
// status are served by the dispatcher itself (rpc.h).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/registry.h"

namespace roster::daemon {

// An operation on a Registry; its result is returned as serialized JSON.
using Op = std::function<Result<std::string>(store::Registry&)>;

// A method that must look outside the database (a tmux pane, the file
// system) does so in a probe: it runs first, on a reader thread — off the
// writer, so never inside a write transaction, and on a cluster on the
// session's own host — with that reader's Registry for what it must read.
// It returns the call's result itself (the method only looks), or the
// operation to run next, built with what it found (the method then writes).
using ProbeResult = std::variant<std::string, Op>;
using Probe = std::function<Result<ProbeResult>(store::Registry&)>;

struct Call {
  bool write = false;  // `op` runs on the writer (group commit) rather than a reader
  Op op;
  Probe probe;  // optional; when set, it runs first and supplies the op
};

// nullopt when `method` is not one of these methods; otherwise the decoded
// call or invalid_params.
std::optional<Result<Call>> DecodeCall(const std::string& method,
                                       const boost::json::object& params);

// True for every method of the API (including watch, unwatch and status).
bool IsKnownMethod(const std::string& method);

// Every method of the API, sorted (for docs/api.md's test).
std::vector<std::string> KnownMethods();

// The params `method` reads, in the order it reads them; nullopt for a method
// not decoded here (watch, unwatch, status) or unknown. (For docs/api.md's
// test: the decoders are the one list of each method's params.)
std::optional<std::vector<std::string>> ParamNames(const std::string& method);

}  // namespace roster::daemon

// error_table.h — the one table of Roster's error codes: for each Code, the
// reason string the API carries in an error's data.reason, the JSON-RPC
// error code rosterd answers with, and the exit status rosterctl ends with.
//
// The table is written once, as a switch without a default (error_table.cc):
// a Code added to status.h without its row fails to compile under -Werror
// (-Wswitch). Everything else derives from it: Status::reason(), rosterd's
// error objects, rosterctl's Status from a reply and its exit status, and the
// list of codes (AllCodes) that the API reference's test holds docs/api.md
// to. The JSON-RPC protocol's own errors (parse error, invalid request,
// method not found) are not Codes: the codec sends them, with the reserved
// codes below.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "util/status.h"

namespace roster {

// The error codes JSON-RPC 2.0 reserves (its section 5.1). Two are Codes'
// rows (invalid_params, internal); the codec (daemon/jsonrpc.h) sends the
// other three for the protocol's own errors.
inline constexpr int kRpcParseError = -32700;
inline constexpr int kRpcInvalidRequest = -32600;
inline constexpr int kRpcMethodNotFound = -32601;
inline constexpr int kRpcInvalidParams = -32602;
inline constexpr int kRpcInternalError = -32603;

// rosterctl's exit statuses (README: rosterctl).
enum Exit : int {
  kExitOk = 0,
  kExitOther = 1,        // any other failure
  kExitUsage = 2,        // bad command line or invalid_params
  kExitNotFound = 3,     // not_found
  kExitRefused = 4,      // conflict or invalid_state
  kExitUnreachable = 5,  // the daemon is not running / not answering / unavailable
};

struct CodeRow {
  Code code;
  std::string_view reason;  // stable API string, e.g. "invalid_state"
  int rpc_code;             // error.code in a JSON-RPC error (kOk's is never sent)
  Exit exit;                // what rosterctl exits with when a call fails so
};

// The row of `code` (kInternal's for a value that is not a Code).
const CodeRow& RowOf(Code code);

// Every Code's row, in the enum's order (kOk first).
std::span<const CodeRow> AllCodes();

// The Code whose reason is `reason`; nullopt for an unknown string.
std::optional<Code> CodeFromReason(std::string_view reason);

}  // namespace roster

// commands.h — what rosterctl's subcommands share: the connection settings,
// the output mode, and the documented exit codes.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>

#include "ctl/format.h"
#include "util/status.h"

namespace roster::ctl {

// Exit codes (documented in the README).
enum Exit : int {
  kExitOk = 0,
  kExitOther = 1,        // any other failure
  kExitUsage = 2,        // bad command line or invalid_params
  kExitNotFound = 3,     // not_found
  kExitRefused = 4,      // conflict or invalid_state
  kExitUnreachable = 5,  // the daemon is not running / not answering
};

struct Context {
  std::string socket;
  bool json = false;
  Style style;
};

int ExitFor(const Status& s);
// Prints "rosterctl: message" to stderr and returns the exit code for `s`.
int Fail(const Status& s);

// Calls `method` and prints the result: as JSON with --json, else `human(result)`.
int RunCall(Context& ctx, const std::string& method, boost::json::object params,
            const std::function<std::string(const boost::json::value&)>& human);

// rosterctl watch: one JSON event per line until interrupted.
int RunWatch(const Context& ctx, boost::json::object params);
// rosterctl hook claude: reads a Claude Code hook payload on stdin.
int RunClaudeHook(const Context& ctx);
// rosterctl top: the live table.
int RunTop(const Context& ctx);

}  // namespace roster::ctl

// commands.h — what rosterctl's subcommands share: the connection settings,
// the output mode, the client, and the documented exit codes (the Exit enum
// and each error Code's exit status are in util/error_table.h).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>

#include "client/client.h"
#include "ctl/format.h"
#include "util/error_table.h"
#include "util/status.h"

namespace roster::ctl {

using client::Client;
using client::StatusFromError;

struct Context {
  std::string socket;
  bool json = false;
  Style style;
};

// The exit status for `s` (its row in util/error_table.h).
int ExitFor(const Status& s);
// Prints "rosterctl: message" to stderr and returns the exit code for `s`.
int Fail(const Status& s);

// Calls `method` and prints the result: as JSON with --json, else `human(result)`.
int RunCall(Context& ctx, const std::string& method, boost::json::object params,
            const std::function<std::string(const boost::json::value&)>& human);

// The same for a write applied at most once per params.request_key
// (log.append, log.rotate): while its answer is unavailable — the daemon
// restarting or busy, or the answer lost (cause unknown_outcome) — it is sent
// again with the same key, for up to kKeyedRetryMs, so it is applied exactly
// once. A failure after that names the key to retry it with.
inline constexpr int kKeyedRetryMs = 10'000;
int RunKeyedCall(Context& ctx, const std::string& method, boost::json::object params,
                 const std::function<std::string(const boost::json::value&)>& human);

// rosterctl watch: one JSON event per line until interrupted.
int RunWatch(const Context& ctx, boost::json::object params);
// rosterctl hook claude: reads a Claude Code hook payload on stdin.
int RunClaudeHook(const Context& ctx);
// rosterctl top: the live table.
int RunTop(const Context& ctx);

}  // namespace roster::ctl

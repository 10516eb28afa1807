// hook_input.h — a Claude Code hook payload from stdin, read within the
// hook's deadline and size limit, and what the hook needs from it.
//
// A payload over the limit (a PostToolUse with a huge tool response) is still
// read to its end (so Claude Code's write never fails) but kept only up to
// the limit; its session_id, hook_event_name and cwd are then picked from
// that prefix (Claude Code writes them first), so the event is still
// recorded, with a log body that says it was truncated.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "util/status.h"

namespace roster::ctl {

// Bytes of payload kept and parsed.
inline constexpr size_t kMaxHookPayload = 4 << 20;

struct HookPayload {
  std::string session_id;
  std::string event;  // hook_event_name
  std::string cwd;    // empty when the payload has none
  // The whole payload; empty when it was over the limit.
  boost::json::object fields;
  bool oversized = false;
  size_t bytes = 0;  // as read (all of it, also past the limit)
};

// Reads stdin to its end or until `deadline`; unavailable when it does not
// end in time, invalid_params (with what is wrong) when it is not a payload.
Result<HookPayload> ReadHookPayload(std::chrono::steady_clock::time_point deadline);

// Parses a payload held in memory (what ReadHookPayload does after reading).
Result<HookPayload> ParseHookPayload(const std::string& data, size_t total_bytes);

// The string member `key` of `o`, or "" (never throws).
std::string StringField(const boost::json::object& o, const char* key);

}  // namespace roster::ctl

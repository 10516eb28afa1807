// hook.cc — `rosterctl hook claude`: maps a Claude Code hook payload (JSON on
// stdin) to registry calls. It never blocks or fails the agent: on garbage
// input or an unreachable daemon it says so on stderr and exits 0.
//
//   SessionStart            -> session.register (revives a known id), log entry
//   UserPromptSubmit, PreToolUse, PostToolUse, Notification, Stop,
//   SubagentStop, PreCompact -> session.heartbeat + log.append of that kind
//                              (PreCompact also log.rotate: a new epoch)
//   SessionEnd              -> session.stop with the reason
#include <poll.h>
#include <unistd.h>

#include <iostream>

#include "core/summary.h"
#include "ctl/client.h"
#include "ctl/commands.h"

namespace roster::ctl {

namespace json = boost::json;

namespace {

constexpr size_t kMaxPayload = 4 << 20;
constexpr size_t kMaxText = 2000;  // characters kept of prompts and messages

// Reads stdin to EOF (bounded in size and time).
std::optional<std::string> ReadStdin() {
  std::string data;
  char buf[65536];
  for (;;) {
    pollfd p{0, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return std::nullopt;
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0) return std::nullopt;
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxPayload) return std::nullopt;
  }
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The log body: the payload's informative fields, long text shortened.
json::object LogBody(const json::object& payload) {
  json::object body;
  for (const char* k : {"prompt", "tool_name", "message", "trigger", "reason", "source",
                        "custom_instructions", "stop_hook_active"}) {
    const json::value* v = payload.if_contains(k);
    if (!v || v->is_null()) continue;
    body[k] =
        v->is_string() ? json::value(TruncateUtf8(std::string(v->as_string()), kMaxText)) : *v;
  }
  return body;
}

json::value Request(int64_t id, const char* method, json::object params) {
  return json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json::object Meta(const json::object& payload) {
  json::object meta;
  if (auto t = Str(payload, "transcript_path"); !t.empty()) meta["transcript_path"] = t;
  if (const json::value* m = payload.if_contains("model")) {
    if (m->is_string()) meta["model"] = *m;
    if (m->is_object()) {
      for (const char* k : {"display_name", "id"}) {
        if (auto* x = m->as_object().if_contains(k); x && x->is_string()) meta["model"] = *x;
      }
    }
  }
  return meta;
}

// The batch for one event: [register?] heartbeat, append, [rotate].
json::array EventBatch(const std::string& event, const std::string& id, const json::object& payload,
                       bool register_first) {
  json::array batch;
  const std::string cwd = Str(payload, "cwd");
  if (register_first) {
    json::object p{{"id", id}, {"meta", Meta(payload)}};
    if (!cwd.empty()) p["root"] = cwd;
    batch.push_back(Request(1, "session.register", std::move(p)));
  }
  const bool waiting = event == "Stop" || event == "Notification";
  if (event != "SessionStart") {
    batch.push_back(Request(2, "session.heartbeat",
                            {{"session", id}, {"status", waiting ? "idle" : "active"}}));
  }
  batch.push_back(
      Request(3, "log.append", {{"session", id}, {"kind", event}, {"body", LogBody(payload)}}));
  if (event == "PreCompact") {
    batch.push_back(Request(4, "log.rotate",
                            {{"session", id}, {"kind", "compact"}, {"body", LogBody(payload)}}));
  }
  return batch;
}

// The first error in a batch response, if any.
std::optional<Status> FirstError(const json::value& response) {
  if (!response.is_array()) return Status::Internal("unexpected response");
  for (const auto& r : response.as_array()) {
    if (const auto* e = r.as_object().if_contains("error")) return StatusFromError(*e);
  }
  return std::nullopt;
}

int Warn(const std::string& what) {
  std::cerr << "rosterctl hook: " << what << "\n";
  return kExitOk;  // never fail the agent
}

}  // namespace

int RunClaudeHook(const Context& ctx) {
  auto input = ReadStdin();
  if (!input) return Warn("no complete hook payload on stdin; event not recorded");
  boost::system::error_code ec;
  json::value doc = json::parse(*input, ec);
  if (ec || !doc.is_object()) return Warn("stdin is not a JSON object; event not recorded");
  const json::object& payload = doc.as_object();
  const std::string id = Str(payload, "session_id");
  const std::string event = Str(payload, "hook_event_name");
  if (id.empty() || event.empty())
    return Warn("payload lacks session_id or hook_event_name; event not recorded");

  auto client = Client::Connect(ctx.socket, 2000);
  if (!client.ok()) return Warn(client.status().message() + "; event not recorded");
  if (event == "SessionEnd") {
    std::string reason = Str(payload, "reason");
    auto r = client.value()->Call(
        "session.stop", {{"session", id}, {"reason", reason.empty() ? "session end" : reason}});
    if (!r.ok() && r.status().code() != Code::kInvalidState &&
        r.status().code() != Code::kNotFound) {
      return Warn(r.status().message());
    }
    return kExitOk;
  }
  auto r = client.value()->Batch(EventBatch(event, id, payload, event == "SessionStart"));
  if (!r.ok()) return Warn(r.status().message());
  auto err = FirstError(*r);
  if (err && (err->code() == Code::kNotFound || err->code() == Code::kInvalidState)) {
    // Unknown to the daemon (it started mid-session) or stopped: register and retry.
    r = client.value()->Batch(EventBatch(event, id, payload, true));
    if (!r.ok()) return Warn(r.status().message());
    err = FirstError(*r);
  }
  if (err) return Warn(err->message());
  return kExitOk;
}

}  // namespace roster::ctl

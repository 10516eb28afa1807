// hook.cc — `rosterctl hook claude`: maps a Claude Code hook payload (JSON on
// stdin) to registry calls, in one round trip.
//
//   SessionStart     -> session.register (revives a known id; a paused one
//                       stays paused) with the agent's pid, tmux pane and
//                       session, root (cwd) and model, + a log entry
//   UserPromptSubmit, PreToolUse, PostToolUse, SubagentStop -> working
//   Stop             -> waiting_input
//   Notification     -> waiting_permission (a permission prompt) or
//                       waiting_input (idle prompt, a question)
//   PreCompact       -> activity unchanged, and log.rotate (a new epoch)
//     ...each: session.heartbeat with that activity + log.append of the kind
//   SessionEnd       -> session.stop with the reason
//   anything else    -> heartbeat + log entry of a known session; registers nothing
//
// While the session is paused, PreToolUse answers Claude Code with its
// documented deny decision, whose reason carries the operator's note: the
// agent stops at its next tool call. That is the only way this hook ever
// blocks the agent. On any failure of Roster — no daemon, a daemon that does
// not answer, garbage — it says so on stderr, prints nothing on stdout and
// exits 0 within kHookBudgetMs.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/summary.h"
#include "ctl/agent_env.h"
#include "ctl/commands.h"
#include "ctl/hook_input.h"

namespace roster::ctl {

namespace json = boost::json;

namespace {

// Everything the hook does — reading stdin, the daemon's answers, tmux —
// ends within this budget from its start.
constexpr int kHookBudgetMs = 1000;
// How long of the budget asking tmux for the session name may take.
constexpr int kTmuxAskMs = 300;
constexpr size_t kMaxText = 2000;  // characters kept of prompts and messages
constexpr size_t kMaxResponseBytes = 1 << 20;

using Clock = std::chrono::steady_clock;

enum class Kind { kStart, kEvent, kEnd, kUnknown };

struct EventRule {
  const char* name;
  Kind kind;
  const char* activity;      // what the event says the agent does; nullptr: see ActivityOf
  bool rotate = false;       // PreCompact: a new log epoch
  bool check_pause = false;  // PreToolUse: deny while paused
};

constexpr EventRule kRules[] = {
    {"SessionStart", Kind::kStart, nullptr},
    {"UserPromptSubmit", Kind::kEvent, "working"},
    {"PreToolUse", Kind::kEvent, "working", false, true},
    {"PostToolUse", Kind::kEvent, "working"},
    {"Notification", Kind::kEvent, nullptr},
    {"Stop", Kind::kEvent, "waiting_input"},
    {"SubagentStop", Kind::kEvent, "working"},
    {"PreCompact", Kind::kEvent, nullptr, true},
    {"SessionEnd", Kind::kEnd, nullptr},
};

EventRule RuleFor(const std::string& event) {
  for (const auto& r : kRules) {
    if (event == r.name) return r;
  }
  return {"", Kind::kUnknown, nullptr};
}

// The activity an event reports, or nullopt to leave it as it is.
std::optional<std::string> ActivityOf(const EventRule& rule, const HookPayload& h) {
  if (rule.activity) return std::string(rule.activity);
  const std::string event = h.event;
  if (event == "SessionStart") {
    // After a compaction the agent goes on working; otherwise it waits at its prompt.
    return StringField(h.fields, "source") == "compact" ? "working" : "waiting_input";
  }
  if (event == "Notification") {
    const std::string type = StringField(h.fields, "notification_type");
    if (type == "permission_prompt") return std::string("waiting_permission");
    if (type == "idle_prompt" || type == "elicitation_dialog") return std::string("waiting_input");
    if (type.empty()) {  // older Claude Code: only the message says what it is
      const std::string msg = StringField(h.fields, "message");
      if (msg.find("permission") != std::string::npos) return std::string("waiting_permission");
      if (msg.find("waiting for your input") != std::string::npos) {
        return std::string("waiting_input");
      }
    }
  }
  return std::nullopt;
}

// The log body: the payload's informative fields, long text shortened (and
// marked so); for a payload over the size limit, only that mark.
json::object LogBody(const HookPayload& h) {
  if (h.oversized) return {{"truncated", true}, {"payload_bytes", h.bytes}};
  json::object body;
  bool cut = false;
  for (const char* k : {"prompt", "tool_name", "message", "notification_type", "trigger", "reason",
                        "source", "custom_instructions", "stop_hook_active"}) {
    const json::value* v = h.fields.if_contains(k);
    if (!v || v->is_null()) continue;
    if (v->is_string()) {
      std::string text(v->as_string());
      std::string kept = TruncateUtf8(text, kMaxText);
      cut = cut || kept.size() < text.size();
      body[k] = std::move(kept);
    } else {
      body[k] = *v;
    }
  }
  if (cut) body["truncated"] = true;
  return body;
}

json::object Meta(const HookPayload& h) {
  json::object meta;
  if (auto t = StringField(h.fields, "transcript_path"); !t.empty()) meta["transcript_path"] = t;
  if (const json::value* m = h.fields.if_contains("model")) {
    if (m->is_string()) meta["model"] = *m;
    if (const auto* o = m->if_object()) {
      for (const char* k : {"display_name", "id"}) {
        if (auto* x = o->if_contains(k); x && x->is_string()) meta["model"] = *x;
      }
    }
  }
  return meta;
}

int64_t LeftMs(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

// session.register's params: where the agent lives, asked here and only here
// (a registration is rare; every other event is a plain heartbeat).
json::object RegisterParams(const HookPayload& h, const std::optional<std::string>& activity,
                            Clock::time_point deadline) {
  json::object p{{"id", h.session_id}, {"hook", true}, {"meta", Meta(h)}};
  std::error_code ec;
  const std::string root = !h.cwd.empty() ? h.cwd : std::filesystem::current_path(ec).string();
  if (!root.empty()) p["root"] = root;
  if (activity) p["activity"] = *activity;
  if (auto pid = FindAgentPid()) p["pid"] = *pid;
  if (auto pane = PaneFromEnvironment()) {
    p["tmux_pane"] = pane->pane;
    if (pane->socket) p["tmux_socket"] = *pane->socket;
    const int64_t wait = std::min<int64_t>(kTmuxAskMs, LeftMs(deadline) / 2);
    if (wait > 0) {
      if (auto name = TmuxSessionOf(*pane, static_cast<int>(wait)); name.ok()) {
        p["tmux_session"] = *name;
      }
    }
  }
  return p;
}

// The batch for one event: [register] [heartbeat] log.append [rotate].
json::array EventBatch(const EventRule& rule, const HookPayload& h, bool register_first,
                       Clock::time_point deadline) {
  const auto activity = ActivityOf(rule, h);
  json::array batch;
  if (register_first) {
    batch.push_back(
        client::RequestObject(1, "session.register", RegisterParams(h, activity, deadline)));
  }
  if (rule.kind != Kind::kStart) {
    json::object hb{{"session", h.session_id}};
    if (activity) hb["activity"] = *activity;
    batch.push_back(client::RequestObject(2, "session.heartbeat", std::move(hb)));
  }
  batch.push_back(client::RequestObject(
      3, "log.append", {{"session", h.session_id}, {"kind", h.event}, {"body", LogBody(h)}}));
  if (rule.rotate) {
    batch.push_back(client::RequestObject(
        4, "log.rotate", {{"session", h.session_id}, {"kind", "compact"}, {"body", LogBody(h)}}));
  }
  return batch;
}

// The first error in a batch response; a response that is not one is an error.
std::optional<Status> FirstError(const json::value& response) {
  const json::array* all = response.if_array();
  if (!all) return Status::Internal("rosterd's answer is not a batch response");
  for (const auto& r : *all) {
    const json::object* o = r.if_object();
    if (!o) return Status::Internal("rosterd's answer holds something that is not a response");
    if (const auto* e = o->if_contains("error")) return StatusFromError(*e);
  }
  return std::nullopt;
}

// The open pause in the heartbeat's answer (request id 2), if the session is
// paused; nullopt for anything else, garbage included.
std::optional<json::object> PauseIn(const json::value& response) {
  const json::array* all = response.if_array();
  if (!all) return std::nullopt;
  for (const auto& r : *all) {
    const json::object* o = r.if_object();
    const json::value* id = o ? o->if_contains("id") : nullptr;
    if (!id || !id->is_int64() || id->as_int64() != 2) continue;
    const json::value* res = o->if_contains("result");
    const json::object* result = res ? res->if_object() : nullptr;
    const json::value* status = result ? result->if_contains("status") : nullptr;
    if (!status || !status->is_string() || status->as_string() != "paused") return std::nullopt;
    const json::value* pause = result->if_contains("pause");
    return pause && pause->is_object() ? pause->as_object() : json::object{};
  }
  return std::nullopt;
}

// Claude Code's documented PreToolUse output that refuses the tool call; the
// reason is shown to the agent.
std::string DenyOutput(const json::object& pause) {
  std::string reason = "Roster: the operator paused this session";
  const json::value* note = pause.if_contains("note");
  if (note && note->is_string() && !note->as_string().empty()) {
    reason += " with this note: \"" + std::string(note->as_string()) + "\"";
  }
  reason +=
      ". Stop here: do not call any more tools, tell the user you are paused, and wait until "
      "the operator resumes the session (they may send you a message when they do).";
  return json::serialize(json::object{
             {"hookSpecificOutput", json::object{{"hookEventName", "PreToolUse"},
                                                 {"permissionDecision", "deny"},
                                                 {"permissionDecisionReason", reason}}}}) +
         "\n";
}

int Warn(const std::string& what) {
  std::cerr << "rosterctl hook: " << what << "\n";
  return kExitOk;  // never fail the agent
}

int RunHook(const Context& ctx, Clock::time_point deadline) {
  auto input = ReadHookPayload(deadline);
  if (!input.ok()) return Warn(input.status().message() + "; event not recorded");
  const HookPayload& h = *input;
  const EventRule rule = RuleFor(h.event);
  auto client =
      Client::Connect(ctx.socket, static_cast<int>(std::max<int64_t>(LeftMs(deadline), 0)));
  if (!client.ok()) return Warn(client.status().message() + "; event not recorded");
  Client& c = *client.value();
  c.set_deadline(deadline);
  c.set_max_line_bytes(kMaxResponseBytes);
  if (rule.kind == Kind::kEnd) {
    std::string reason = h.oversized ? "" : StringField(h.fields, "reason");
    auto r = c.Call("session.stop", {{"session", h.session_id},
                                     {"reason", reason.empty() ? "session end" : reason}});
    if (!r.ok() && r.status().code() != Code::kInvalidState &&
        r.status().code() != Code::kNotFound) {
      return Warn(r.status().message() + "; event not recorded");
    }
    return kExitOk;
  }
  auto r = c.Batch(EventBatch(rule, h, rule.kind == Kind::kStart, deadline));
  if (!r.ok()) return Warn(r.status().message() + "; event not recorded");
  auto err = FirstError(*r);
  if (err && rule.kind == Kind::kEvent &&
      (err->code() == Code::kNotFound || err->code() == Code::kInvalidState)) {
    // Unknown to the daemon (it started mid-session) or stopped: register and retry.
    r = c.Batch(EventBatch(rule, h, true, deadline));
    if (!r.ok()) return Warn(r.status().message() + "; event not recorded");
    err = FirstError(*r);
  }
  // The pause first: a log entry the daemon refused must not let a paused
  // agent through.
  if (rule.check_pause) {
    if (auto pause = PauseIn(*r)) {
      const std::string out = DenyOutput(*pause);
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
    }
  }
  if (err) {
    if (rule.kind == Kind::kUnknown && err->code() == Code::kNotFound) {
      return Warn("session " + h.session_id + " is not registered and " + h.event +
                  " is not an event this hook registers on; not recorded");
    }
    return Warn(err->message());
  }
  return kExitOk;
}

}  // namespace

int RunClaudeHook(const Context& ctx) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(kHookBudgetMs);
  // An agent that stopped reading our stdout must not turn the deny into a
  // death by SIGPIPE (exit 141): the write fails, the hook still exits 0.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return RunHook(ctx, deadline);
  } catch (...) {
    return Warn("internal error; event not recorded");
  }
}

}  // namespace roster::ctl

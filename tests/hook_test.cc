// hook_test.cc — `rosterctl hook claude` as Claude Code runs it: real-shaped
// payloads of every event kind, fed by fake-claude (a long-lived process that
// runs the hook through `sh -c`) to the real binary against the real daemon.
// Liveness by the agent's process, activity, the hook TTL, input limits, and
// the pause that stops the agent.
#include <fstream>
#include <thread>

#include "hook_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::FakeClaude;
using testing::HookPayload;
using testing::HookRun;
using testing::kRosterctl;
using testing::RpcClient;
namespace bj = boost::json;

class Hook : public ::testing::Test {
 protected:
  void SetUp() override {
    d.Config({{"cleanup_interval_ms", 100}, {"hook_ttl_ms", 700}, {"default_ttl_ms", 400}});
    d.Start();
  }
  FakeClaude Claude(const std::string& hook = kRosterctl + " hook claude") {
    return FakeClaude(d.dir(), hook, {{"ROSTER_SOCKET", d.socket()}});
  }
  bj::value Get(const std::string& s) { return d.Client().Ok("session.get", {{"session", s}}); }
  // Runs the hook and checks it succeeded quietly (nothing on stdout: no decision).
  void Quiet(FakeClaude& claude, const std::string& payload) {
    HookRun r = claude.Run(payload);
    EXPECT_EQ(r.code, 0) << payload;
    EXPECT_EQ(r.out, "") << payload;
    EXPECT_EQ(r.err, "") << payload;
  }
  int Ctl(const std::string& args) { return testing::Sh(d, kRosterctl + " " + args).code; }
  Daemon d;
};

TEST_F(Hook, EveryEventKindIsRecordedWithWhatTheAgentDoes) {
  FakeClaude claude = Claude();
  claude.Start();
  struct Step {
    std::string event;
    bj::object extra;
    const char* activity;  // after the event
    const char* status;
  } steps[] = {
      {"SessionStart",
       {{"source", "startup"}, {"model", {{"id", "claude-opus"}}}},
       "waiting_input",
       "idle"},
      {"UserPromptSubmit", {{"prompt", "fix the parser"}}, "working", "active"},
      {"PreToolUse",
       {{"tool_name", "Bash"}, {"tool_input", {{"command", "rm -rf build"}}}},
       "working",
       "active"},
      {"Notification",
       {{"message", "Claude needs your permission to use Bash"},
        {"notification_type", "permission_prompt"}},
       "waiting_permission",
       "idle"},
      {"PostToolUse",
       {{"tool_name", "Bash"}, {"tool_response", {{"stdout", ""}}}},
       "working",
       "active"},
      {"SubagentStop", {{"stop_hook_active", false}}, "working", "active"},
      {"Stop", {{"stop_hook_active", false}}, "waiting_input", "idle"},
      {"Notification",
       {{"message", "Claude is waiting for your input"}, {"notification_type", "idle_prompt"}},
       "waiting_input",
       "idle"},
      {"PreCompact", {{"trigger", "manual"}, {"custom_instructions", ""}}, "waiting_input", "idle"},
  };
  for (const auto& st : steps) {
    Quiet(claude, HookPayload("cc-42", st.event, st.extra));
    bj::value s = Get("cc-42");
    EXPECT_EQ(s.at("activity"), st.activity) << st.event;
    EXPECT_EQ(s.at("status"), st.status) << st.event;
  }
  bj::value s = Get("cc-42");
  EXPECT_EQ(s.at("pid"), claude.pid());  // the agent, not the hook's shell
  EXPECT_TRUE(s.at("expires_at").is_null());
  EXPECT_EQ(s.at("root"), "/src/app");
  EXPECT_EQ(s.at("meta").at("model"), "claude-opus");
  EXPECT_TRUE(s.at("tmux_pane").is_null());  // not run in tmux
  RpcClient rpc = d.Client();
  bj::value old = rpc.Ok("log.read", {{"session", "cc-42"}, {"epoch", 1}});
  std::vector<std::string> kinds;
  for (const auto& e : old.at("entries").as_array()) kinds.emplace_back(e.at("kind").as_string());
  EXPECT_EQ(kinds, (std::vector<std::string>{"SessionStart", "UserPromptSubmit", "PreToolUse",
                                             "Notification", "PostToolUse", "SubagentStop", "Stop",
                                             "Notification", "PreCompact"}));
  EXPECT_EQ(old.at("entries").at(1).at("body").at("prompt"), "fix the parser");
  EXPECT_EQ(old.at("entries").at(3).at("body").at("notification_type"), "permission_prompt");
  bj::value cur = rpc.Ok("log.read", {{"session", "cc-42"}});
  EXPECT_EQ(cur.at("epoch"), 2);  // PreCompact rotated the log
  EXPECT_EQ(cur.at("entries").at(0).at("kind"), "compact");

  Quiet(claude, HookPayload("cc-42", "SessionEnd", {{"reason", "logout"}}));
  bj::value ended = Get("cc-42");
  EXPECT_EQ(ended.at("status"), "stopped");
  EXPECT_EQ(ended.at("status_reason"), "logout");
  EXPECT_TRUE(ended.at("activity").is_null());
  Quiet(claude, HookPayload("cc-42", "SessionStart", {{"source", "resume"}}));  // revives it
  EXPECT_EQ(Get("cc-42").at("status"), "idle");
}

TEST_F(Hook, AnIdleAgentLivesAsLongAsItsProcessNotItsTtl) {
  FakeClaude claude = Claude();
  claude.Start();
  Quiet(claude, HookPayload("cc-idle", "SessionStart", {{"source", "startup"}}));
  Quiet(claude, HookPayload("cc-idle", "UserPromptSubmit", {{"prompt", "go"}}));
  Quiet(claude, HookPayload("cc-idle", "Stop"));
  const int64_t last_seen = Get("cc-idle").at("last_seen").as_int64();
  // Lunch: several times the TTLs (700 ms) at the prompt, no event at all.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  bj::value s = Get("cc-idle");
  EXPECT_EQ(s.at("status"), "idle");
  EXPECT_EQ(s.at("activity"), "waiting_input");
  EXPECT_EQ(s.at("last_seen").as_int64(), last_seen);  // the last real contact
  claude.Kill();                                       // Claude Code exits
  const auto killed = std::chrono::steady_clock::now();
  for (int i = 0; i < 100 && Get("cc-idle").at("status") != "stale"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s = Get("cc-idle");
  EXPECT_EQ(s.at("status"), "stale");
  EXPECT_EQ(s.at("status_reason"), "process_exited");
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(5));
}

// An orphaned hook (its shell's parent gone) has no agent among its
// ancestors: the session then lives by the hook TTL.
TEST_F(Hook, WithoutAnAgentProcessTheSessionFallsBackToTheHookTtl) {
  const std::string reaper = d.dir().File("reaper");
  FakeClaude claude =
      Claude("payload=$(cat); sh -c 'sleep 0.3; cut -d\" \" -f4 /proc/$$/stat > " + reaper +
             "; printf \"%s\" \"$1\" | " + kRosterctl + " hook claude' orphan \"$payload\" &");
  claude.Start();
  ASSERT_EQ(claude.Run(HookPayload("cc-orphan", "SessionStart")).code, 0);
  RpcClient rpc = d.Client();
  bj::value s;
  for (int i = 0; i < 100; ++i) {
    s = rpc.Call("session.get", {{"session", "cc-orphan"}});
    if (s.as_object().contains("result")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(s.as_object().contains("result")) << s;
  s = s.at("result");
  std::ifstream in(reaper);
  int64_t adopted_by = 0;
  in >> adopted_by;
  ASSERT_GT(adopted_by, 0);
  if (adopted_by == 1) {  // reparented to init: no agent process
    EXPECT_TRUE(s.at("pid").is_null());
    EXPECT_EQ(s.at("ttl_ms"), 700);  // hook_ttl_ms, not default_ttl_ms
    EXPECT_FALSE(s.at("expires_at").is_null());
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    EXPECT_EQ(Get("cc-orphan").at("status_reason"), "ttl");
  } else {  // a subreaper adopted the shell: it is the nearest non-shell ancestor
    EXPECT_EQ(s.at("pid"), adopted_by);
  }
}

TEST_F(Hook, APayloadWithoutCwdUsesTheHooksWorkingDirectory) {
  const std::string work = d.dir().File("work");
  std::filesystem::create_directories(work);
  FakeClaude claude = Claude("cd " + work + " && " + kRosterctl + " hook claude");
  claude.Start();
  Quiet(claude, HookPayload("cc-nocwd", "SessionStart", {}, /*cwd=*/""));
  EXPECT_EQ(Get("cc-nocwd").at("root"), work.c_str());
}

TEST_F(Hook, UnknownEventsHeartbeatAKnownSessionAndRegisterNothing) {
  FakeClaude claude = Claude();
  claude.Start();
  HookRun unknown = claude.Run(HookPayload("cc-new", "SomeFutureEvent"));
  EXPECT_EQ(unknown.code, 0);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(d.Client().Reason("session.get", {{"session", "cc-new"}}), "not_found");
  Quiet(claude, HookPayload("cc-new", "SessionStart"));
  const int64_t before = Get("cc-new").at("last_seen").as_int64();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Quiet(claude, HookPayload("cc-new", "SomeFutureEvent", {{"detail", 1}}));
  bj::value s = Get("cc-new");
  EXPECT_GT(s.at("last_seen").as_int64(), before);
  EXPECT_EQ(s.at("activity"), "waiting_input");  // unchanged
}

TEST_F(Hook, AnOversizedPayloadIsStillHeartbeatedWithItsLogBodyMarkedTruncated) {
  FakeClaude claude = Claude();
  claude.Start();
  Quiet(claude, HookPayload("cc-big", "SessionStart"));
  Quiet(claude, HookPayload("cc-big", "UserPromptSubmit", {{"prompt", std::string(3000, 'p')}}));
  const int64_t before = Get("cc-big").at("last_seen").as_int64();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string big = HookPayload(
      "cc-big", "PostToolUse",
      {{"tool_name", "Read"}, {"tool_response", {{"content", std::string(5 << 20, 'x')}}}});
  Quiet(claude, big);
  EXPECT_GT(Get("cc-big").at("last_seen").as_int64(), before);
  bj::value log = d.Client().Ok("log.read", {{"session", "cc-big"}});
  const auto& entries = log.at("entries").as_array();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].at("body").at("prompt").as_string().size(), 2000u);
  EXPECT_EQ(entries[1].at("body").at("truncated"), true);
  EXPECT_EQ(entries[2].at("kind"), "PostToolUse");
  EXPECT_EQ(entries[2].at("body").at("truncated"), true);
  EXPECT_EQ(entries[2].at("body").at("payload_bytes"), big.size());
}

// The reason Claude Code shows the agent, from a deny decision on stdout.
std::string DenyReason(const HookRun& r) {
  if (r.out.empty()) return "";
  bj::value v = bj::parse(r.out);
  const bj::value& o = v.at("hookSpecificOutput");
  EXPECT_EQ(o.at("hookEventName"), "PreToolUse");
  EXPECT_EQ(o.at("permissionDecision"), "deny");
  return std::string(o.at("permissionDecisionReason").as_string());
}

TEST_F(Hook, APauseDeniesTheNextToolCallWithTheNoteAndNoHookEventEndsIt) {
  FakeClaude claude = Claude();
  claude.Start();
  const bj::object tool{{"tool_name", "Edit"}, {"tool_input", {{"file_path", "/src/app/a.cc"}}}};
  Quiet(claude, HookPayload("cc-p", "SessionStart"));
  Quiet(claude, HookPayload("cc-p", "UserPromptSubmit", {{"prompt", "refactor"}}));
  Quiet(claude, HookPayload("cc-p", "PreToolUse", tool));
  ASSERT_EQ(Ctl("pause cc-p -m 'hold on, reviewing the schema'"), 0);
  HookRun denied = claude.Run(HookPayload("cc-p", "PreToolUse", tool));
  EXPECT_EQ(denied.code, 0);
  const std::string reason = DenyReason(denied);
  EXPECT_NE(reason.find("hold on, reviewing the schema"), std::string::npos) << reason;
  EXPECT_NE(reason.find("wait"), std::string::npos) << reason;
  // The user types, the agent stops, Claude Code restarts: still paused.
  for (const char* event : {"UserPromptSubmit", "PostToolUse", "Stop", "SessionStart"}) {
    Quiet(claude, HookPayload("cc-p", event, {{"prompt", "go on"}, {"source", "resume"}}));
    bj::value s = Get("cc-p");
    EXPECT_EQ(s.at("status"), "paused") << event;
    EXPECT_EQ(s.at("pause").at("note"), "hold on, reviewing the schema") << event;
  }
  EXPECT_EQ(Get("cc-p").at("activity"), "waiting_input");  // what the paused agent does
  EXPECT_NE(DenyReason(claude.Run(HookPayload("cc-p", "PreToolUse", tool))), "");
  // Even an agent that stopped reading the hook's stdout sees it exit 0.
  const std::string payload = d.dir().File("pretool.json");
  std::ofstream(payload) << HookPayload("cc-p", "PreToolUse", tool);
  FakeClaude deaf(d.dir(),
                  "bash -c \"" + kRosterctl + " hook claude < " + payload +
                      " | (exec 0<&-; sleep 0.2); echo hook exit \\${PIPESTATUS[0]} >&2\"",
                  {{"ROSTER_SOCKET", d.socket()}});
  deaf.Start();
  HookRun closed = deaf.Run("{}");
  EXPECT_NE(closed.err.find("hook exit 0"), std::string::npos) << closed.err;
  ASSERT_EQ(Ctl("session resume cc-p"), 0);
  Quiet(claude, HookPayload("cc-p", "PreToolUse", tool));
  EXPECT_EQ(Get("cc-p").at("status"), "active");
}

// The deny does not depend on the rest of the event being recorded: here the
// daemon refuses the log entry (over its max_body_bytes).
TEST(HookPause, APausedAgentIsDeniedEvenWhenItsLogEntryIsRefused) {
  Daemon d;
  d.Config({{"max_body_bytes", 64}});
  d.Start();
  FakeClaude claude(d.dir(), kRosterctl + " hook claude", {{"ROSTER_SOCKET", d.socket()}});
  claude.Start();
  ASSERT_EQ(claude.Run(HookPayload("cc-b", "SessionStart")).code, 0);
  d.Client().Ok("session.pause", {{"session", "cc-b"}, {"note", "hands off"}});
  HookRun r = claude.Run(HookPayload("cc-b", "PreToolUse", {{"tool_name", std::string(100, 't')}}));
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(DenyReason(r).find("hands off"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("body"), std::string::npos) << r.err;  // the refusal, on stderr
}

TEST_F(Hook, PauseStopRevivePauseResume) {
  FakeClaude claude = Claude();
  claude.Start();
  const std::string tool = HookPayload("cc-r", "PreToolUse", {{"tool_name", "Bash"}});
  Quiet(claude, HookPayload("cc-r", "SessionStart"));
  ASSERT_EQ(Ctl("pause cc-r -m first"), 0);
  Quiet(claude, HookPayload("cc-r", "SessionEnd", {{"reason", "prompt_input_exit"}}));
  RpcClient rpc = d.Client();
  bj::value hist = rpc.Ok("session.pauses", {{"session", "cc-r"}});
  EXPECT_EQ(hist.at("pauses").at(0).at("ended_by"), "stop");
  Quiet(claude, HookPayload("cc-r", "SessionStart", {{"source", "resume"}}));
  bj::value s = Get("cc-r");
  EXPECT_EQ(s.at("status"), "idle");
  EXPECT_TRUE(s.at("pause").is_null());
  Quiet(claude, tool);
  bj::value paused = rpc.Call("session.pause", {{"session", "cc-r"}, {"note", "second"}});
  ASSERT_TRUE(paused.as_object().contains("result")) << paused;
  EXPECT_NE(DenyReason(claude.Run(tool)).find("second"), std::string::npos);
  ASSERT_EQ(Ctl("session resume cc-r"), 0);
  Quiet(claude, tool);
  EXPECT_EQ(rpc.Ok("session.pauses", {{"session", "cc-r"}}).at("pauses").as_array().size(), 2u);
}

// Run inside a tmux pane, the hook records the pane, its server and session
// (asked of tmux once, at registration).
TEST_F(Hook, InTmuxTheSessionRecordsItsPaneServerAndSession) {
  testing::PrivateTmux tmux;
  FakeClaude claude = Claude();
  ASSERT_EQ(std::system((tmux.Cmd() + "new-session -d -s agents -x 120 -y 30 \"" +
                         claude.CommandLine() + "\"")
                            .c_str()),
            0);
  claude.Connect();
  claude.set_pid(std::stoi(tmux.Run("display-message -p -t agents '#{pane_pid}'")));
  // tmux's own variables reach the hook through fake-claude, as for Claude Code.
  Quiet(claude, HookPayload("cc-t", "SessionStart"));
  bj::value s = Get("cc-t");
  EXPECT_EQ(s.at("tmux_pane"), tmux.Run("display-message -p -t agents '#{pane_id}'").c_str());
  EXPECT_EQ(s.at("tmux_socket"), tmux.Socket().c_str());
  EXPECT_EQ(s.at("tmux_session"), "agents");
  EXPECT_EQ(s.at("pid"), claude.pid());
}

}  // namespace
}  // namespace roster

// hook_failopen_test.cc — Roster's own failure never blocks the agent: with
// no daemon, a frozen one (accepts, never answers) or one that answers
// garbage, every hook event exits 0 with nothing on stdout within the
// documented bound (1 s of budget; the assertion leaves room for a loaded
// machine's process start-up).
#include <unistd.h>

#include "fake_server.h"
#include "hook_harness.h"

namespace roster {
namespace {

using testing::FakeClaude;
using testing::GarbageServer;
using testing::HookPayload;
using testing::HookRun;
using testing::kRosterctl;
using testing::Listen;
using testing::TempDir;

constexpr double kBoundMs = 1000;  // the hook's budget (README)
constexpr double kSlackMs = 1000;  // process start and scheduling on a busy machine

const char* kEvents[] = {
    "SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Notification",
    "Stop",         "SubagentStop",     "PreCompact", "SessionEnd",  "SomeFutureEvent"};

// Every event kind, through fake-claude, against `socket`: exit 0, nothing
// on stdout, within the bound.
void ExpectFailOpen(const TempDir& dir, const std::string& socket, const std::string& why) {
  FakeClaude claude(dir, kRosterctl + " hook claude", {{"ROSTER_SOCKET", socket}});
  claude.Start();
  for (const char* event : kEvents) {
    HookRun r = claude.Run(HookPayload("cc-fail", event, {{"prompt", "hi"}}));
    EXPECT_EQ(r.code, 0) << why << " " << event;
    EXPECT_EQ(r.out, "") << why << " " << event;
    EXPECT_NE(r.err.find("rosterctl hook:"), std::string::npos) << why << " " << event << r.err;
    EXPECT_LT(r.ms, kBoundMs + kSlackMs) << why << " " << event;
  }
}

TEST(HookFailOpen, NoDaemon) {
  TempDir dir;
  ExpectFailOpen(dir, dir.File("nobody.sock"), "no daemon");
}

TEST(HookFailOpen, FrozenDaemonThatAcceptsButNeverAnswers) {
  TempDir dir;
  const std::string path = dir.File("frozen.sock");
  int fd = Listen(path);  // connections queue in the backlog; nothing is ever read
  FakeClaude claude(dir, kRosterctl + " hook claude", {{"ROSTER_SOCKET", path}});
  claude.Start();
  HookRun r = claude.Run(HookPayload("cc-fail", "PreToolUse", {{"tool_name", "Bash"}}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("did not"), std::string::npos) << r.err;
  EXPECT_GE(r.ms, kBoundMs * 0.8);       // it did wait for the daemon...
  EXPECT_LT(r.ms, kBoundMs + kSlackMs);  // ...but not past its budget
  // A request bigger than the socket buffers: the send itself must not block.
  HookRun big = claude.Run(
      HookPayload("cc-fail", "UserPromptSubmit", {{"prompt", std::string(1 << 20, 'p')}}));
  EXPECT_EQ(big.code, 0);
  EXPECT_EQ(big.out, "");
  EXPECT_LT(big.ms, kBoundMs + kSlackMs);
  ::close(fd);
}

TEST(HookFailOpen, DaemonAnsweringGarbage) {
  TempDir dir;
  const std::string path = dir.File("garbage.sock");
  const std::string huge(4 << 20, '[');  // no newline, ever
  GarbageServer server(
      path, {"not json at all\n", "[1,2,3]\n", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":5}\n",
             // a paused-looking answer that is not a batch response
             R"({"jsonrpc":"2.0","id":2,"result":{"status":"paused","pause":{"note":"x"}}})"
             "\n",
             R"([{"jsonrpc":"2.0","id":2,"error":5},{"id":3,"result":null}])"
             "\n",
             R"([{"jsonrpc":"2.0","id":2,"result":{"status":7,"pause":[]}},"x"])"
             "\n",
             "", huge});
  ExpectFailOpen(dir, path, "garbage");
}

}  // namespace
}  // namespace roster

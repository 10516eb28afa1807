// pane_test.cc — reaching an agent through its tmux pane: session.send,
// session.output, `rosterctl resume --say`, and the pause summary taken from
// the pane. fake-claude runs in a pane of a private tmux server (tmux -L)
// and echoes what is typed at its prompt; rosterd runs the tmux commands.
#include <thread>

#include "hook_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::FakeClaude;
using testing::HookPayload;
using testing::kRosterctl;
using testing::PrivateTmux;
using testing::Ran;
using testing::RpcClient;
namespace bj = boost::json;

class Pane : public ::testing::Test {
 protected:
  void SetUp() override {
    d.Start();
    ASSERT_EQ(std::system((tmux.Cmd() + "new-session -d -s agents -x 150 -y 30 \"" +
                           claude.CommandLine() + "\"")
                              .c_str()),
              0);
    claude.Connect();
    ASSERT_EQ(claude.Run(HookPayload("cc-t", "SessionStart")).code, 0);
    ASSERT_TRUE(WaitFor("fake-claude ready"));
  }
  Ran Ctl(const std::string& args) { return testing::Sh(d, kRosterctl + " " + args); }
  std::string Screen() { return tmux.Run("capture-pane -p -t agents"); }
  bool WaitFor(const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      if (Screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  Daemon d;
  PrivateTmux tmux;
  FakeClaude claude{d.dir(), kRosterctl + " hook claude", {{"ROSTER_SOCKET", d.socket()}}};
};

TEST_F(Pane, SendTypesALineAndOutputReadsThePane) {
  Ran sent = Ctl("send cc-t 'run the tests, then stop'");
  EXPECT_EQ(sent.code, 0) << sent.err;
  EXPECT_TRUE(WaitFor("fake-claude got: run the tests, then stop")) << Screen();
  Ran out = Ctl("output cc-t --lines 5");
  EXPECT_EQ(out.code, 0) << out.err;
  EXPECT_NE(out.out.find("fake-claude got: run the tests, then stop"), std::string::npos)
      << out.out;
  RpcClient rpc = d.Client();
  bj::value lines = rpc.Ok("session.output", {{"session", "cc-t"}, {"lines", 2}});
  EXPECT_LE(lines.at("lines").as_array().size(), 2u);
  EXPECT_EQ(rpc.Reason("session.send", {{"session", "cc-t"}, {"text", "two\nlines"}}),
            "invalid_params");
  EXPECT_EQ(rpc.Reason("session.output", {{"session", "cc-t"}, {"lines", 0}}), "invalid_params");
}

TEST_F(Pane, PauseSummarizesThePaneAndResumeSayTellsTheAgent) {
  ASSERT_EQ(Ctl("send cc-t 'refactor the parser'").code, 0);
  ASSERT_TRUE(WaitFor("fake-claude got: refactor the parser"));
  Ran paused = Ctl("pause cc-t -m 'wait for the schema review'");
  ASSERT_EQ(paused.code, 0) << paused.err;
  RpcClient rpc = d.Client();
  bj::value p = rpc.Ok("session.pauses", {{"session", "cc-t"}}).at("pauses").at(0);
  EXPECT_EQ(p.at("note"), "wait for the schema review");
  const std::string summary(p.at("summary").as_string());
  EXPECT_NE(summary.find("fake-claude got: refactor the parser"), std::string::npos) << summary;
  EXPECT_LE(summary.size(), 500u);
  Ran resumed = Ctl("resume cc-t --say 'schema approved, carry on'");
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(rpc.Ok("session.get", {{"session", "cc-t"}}).at("status"), "active");
  EXPECT_TRUE(WaitFor("fake-claude got: schema approved, carry on")) << Screen();
}

TEST_F(Pane, WhatCannotBeReachedIsRefusedWithASentence) {
  RpcClient rpc = d.Client();
  // No pane: refused, and resume --say changes nothing.
  rpc.Ok("session.register", {{"name", "plain"}});
  rpc.Ok("session.pause", {{"session", "plain"}});
  Ran nopane = Ctl("send plain hello");
  EXPECT_EQ(nopane.code, 4);
  EXPECT_NE(nopane.err.find("has no tmux pane"), std::string::npos) << nopane.err;
  Ran say = Ctl("resume plain --say hello");
  EXPECT_EQ(say.code, 4);
  EXPECT_NE(say.err.find("was not resumed"), std::string::npos) << say.err;
  EXPECT_EQ(rpc.Ok("session.get", {{"session", "plain"}}).at("status"), "paused");
  // A stopped session's pane is not typed into.
  ASSERT_EQ(Ctl("session stop cc-t").code, 0);
  Ran stopped = Ctl("send cc-t 'rm -rf build'");
  EXPECT_EQ(stopped.code, 4);
  EXPECT_NE(stopped.err.find("is stopped"), std::string::npos) << stopped.err;
  // The pane's server gone: invalid_state, and a pause still works (log summary).
  ASSERT_EQ(claude.Run(HookPayload("cc-t", "SessionStart")).code, 0);
  std::system((tmux.Cmd() + "kill-server").c_str());
  bj::value gone = rpc.Call("session.output", {{"session", "cc-t"}});
  EXPECT_EQ(gone.at("error").at("data").at("reason"), "invalid_state") << gone;
  EXPECT_NE(std::string(gone.at("error").at("message").as_string()).find("tmux"),
            std::string::npos);
  bj::value p = rpc.Ok("session.pause", {{"session", "cc-t"}});
  EXPECT_NE(std::string(p.at("summary").as_string()).find("SessionStart"), std::string::npos);
}

TEST(PaneWithoutTmux, TmuxMissingIsUnavailable) {
  Daemon d;
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", "/nonexistent", 1);  // rosterd inherits a PATH without tmux
  d.Start();
  ::setenv("PATH", path.c_str(), 1);
  RpcClient rpc = d.Client();
  rpc.Ok("session.register", {{"name", "t"}, {"tmux_pane", "%1"}});
  bj::value r = rpc.Call("session.send", {{"session", "t"}, {"text", "hi"}});
  EXPECT_EQ(r.at("error").at("data").at("reason"), "unavailable") << r;
  EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("tmux is not installed"),
            std::string::npos);
  // A pause still works: its summary comes from the log.
  EXPECT_TRUE(rpc.Ok("session.pause", {{"session", "t"}}).as_object().contains("summary"));
}

}  // namespace
}  // namespace roster

// ctl_robustness_test.cc — rosterctl never dies on what a daemon sends: every
// command, against a stand-in that answers with replies of the wrong shape,
// exits with a documented code and one line on stderr (the hook with 0).
#include "cli_harness.h"
#include "fake_server.h"

namespace roster {
namespace {

using testing::GarbageServer;
using testing::kRosterctl;
using testing::Ran;
using testing::ShIn;
using testing::TempDir;

// Replies that parse as JSON but are not what any command expects.
const std::vector<std::string> kMalformed = {
    R"({"jsonrpc":"2.0","id":1,"result":5})"
    "\n",
    R"({"jsonrpc":"2.0","id":1,"result":{}})"
    "\n",
    R"({"jsonrpc":"2.0","id":1,"result":{"teams":5,"sessions":"x","roster":null,"entries":{},)"
    R"("removed":[],"seq":{},"epoch":null,"rev":[],"id":7,"expires_at":"soon","reaped":"x"}})"
    "\n",
    R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":5,"data":[]}})"
    "\n",
    R"({"jsonrpc":"2.0","id":1,"error":7})"
    "\n",
    "[1,2]\n",
    "\"a string\"\n",
    // A watch that starts, then notifications of the wrong shape.
    R"({"jsonrpc":"2.0","id":1,"result":{"watch_id":1,"rev":3}})"
    "\n"
    R"({"jsonrpc":"2.0","method":"watch.event"})"
    "\n",
    R"({"jsonrpc":"2.0","id":1,"result":{"watch_id":1,"rev":"x"}})"
    "\n"
    R"({"jsonrpc":"2.0","method":"watch.error","params":{"reason":5}})"
    "\n",
};

// A malformed reply aborted rosterctl (exit 134: an uncaught Boost.JSON
// exception from a throwing accessor) in most of these commands.
TEST(CtlRobustness, MalformedRepliesGetADocumentedExitCodeNeverACrash) {
  TempDir dir;
  const std::string socket = dir.File("garbage.sock");
  GarbageServer server(socket, kMalformed);
  for (const char* cmd : {"ls",
                          "session get a",
                          "session register --name a",
                          "session heartbeat a",
                          "session update a --reason r",
                          "session pause a",
                          "session resume a",
                          "session stop a",
                          "session remove a",
                          "session reap",
                          "session pauses a",
                          "team up p /r dev",
                          "team down /r",
                          "team list",
                          "team roster /r",
                          "team orphans /r",
                          "team stale",
                          "log append a k",
                          "log read a",
                          "status",
                          "watch",
                          "watch --since 1",
                          "--json ls"}) {
    for (size_t i = 0; i < kMalformed.size(); ++i) {
      Ran r = ShIn(dir, socket, kRosterctl + " " + cmd);
      SCOPED_TRACE(std::string(cmd) + " / reply " + std::to_string(i));
      EXPECT_GE(r.code, 0) << r.err;
      EXPECT_LE(r.code, 5) << r.err;  // the README's exit codes
      if (r.code != 0) {
        EXPECT_EQ(r.err.rfind("rosterctl: ", 0), 0u) << r.err;
      }
      EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    }
  }
}

// `rosterctl log append` sends a request_key (a new UUID, or --request-key),
// and when the answer says the write may or may not have been applied it
// sends it again with the same key: applied exactly once, and the user sees
// the answer. An answer that it cannot be applied is not retried.
TEST(CtlKeyedWrites, AnAppendWhoseOutcomeIsUnknownIsSentAgainWithTheSameKey) {
  TempDir dir;
  const std::string socket = dir.File("s.sock");
  GarbageServer server(
      socket,
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":-32006,"message":"lost","data":)"
       R"({"reason":"unavailable","cause":"unknown_outcome"}}})"
       "\n",
       R"({"jsonrpc":"2.0","id":1,"result":{"seq":7,"epoch":1,"rev":42}})"
       "\n",
       R"({"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"no such session","data":)"
       R"({"reason":"not_found"}}})"
       "\n"});
  Ran r = ShIn(dir, socket, kRosterctl + " log append s note '\"hi\"'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "seq 7 epoch 1 rev 42\n");
  std::vector<std::string> got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  auto key = [](const std::string& line) {
    return std::string(boost::json::parse(line).at("params").at("request_key").as_string());
  };
  EXPECT_EQ(key(got[0]), key(got[1]));
  EXPECT_EQ(key(got[0]).size(), 36u);  // a UUID
  Ran refused = ShIn(dir, socket, kRosterctl + " log append s note x --request-key mine");
  EXPECT_EQ(refused.code, 3) << refused.err;
  got = server.requests();
  ASSERT_EQ(got.size(), 3u);  // not sent again
  EXPECT_EQ(key(got[2]), "mine");
}

}  // namespace
}  // namespace roster

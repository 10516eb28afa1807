// daemon_api_test.cc — every API method of the real rosterd over its socket:
// happy paths, each error reason, batches and notifications — on each store
// engine (file and dqlite), the same tests.
#include <poll.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api_doc.h"
#include "daemon_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::RpcClient;
using json = boost::json::value;
namespace bj = boost::json;

using testing::Engine;

class DaemonApi : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    d.Config({{"max_live_sessions", 3}});
    d.Start();
  }
  Daemon d{{}, GetParam()};
};

// Every param docs/api.md lists is one the running daemon knows: sent as
// null (absent, to a method), it is never refused as an unknown field, and
// every documented method exists. (That the page lists no param a decoder
// does not read, and misses none it does: ApiReference.*.)
TEST_P(DaemonApi, EveryDocumentedParamIsAKnownField) {
  const testing::ApiDoc doc = testing::ReadApiDoc();
  ASSERT_GE(doc.methods.size(), 25u);
  for (const auto& [method, params] : doc.methods) {
    for (const std::string& param : params) {
      RpcClient c = d.Client();  // its own connection: a watch may start
      json r = c.Call(method, {{param, nullptr}});
      const bj::value* e = r.as_object().if_contains("error");
      if (!e) continue;
      EXPECT_NE(e->at("code"), -32601) << method;
      EXPECT_EQ(std::string(e->at("message").as_string()).find("not a known field"),
                std::string::npos)
          << method << " " << param << ": " << bj::serialize(r);
    }
    if (params.empty()) {
      json r = d.Client().Call(method);
      if (method.rfind("cluster.", 0) == 0 && d.engine() == Engine::kFile) {
        // The file engine is not a cluster: it says so.
        EXPECT_EQ(r.at("error").at("data").at("reason"), "invalid_state") << bj::serialize(r);
        continue;
      }
      EXPECT_TRUE(r.as_object().contains("result")) << method << ": " << bj::serialize(r);
    }
  }
  // The test can fail: a param no method has is refused.
  json r = d.Client().Call("session.reap", {{"session", nullptr}});
  EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("not a known field"),
            std::string::npos);
}

TEST_P(DaemonApi, SessionMethodsFollowTheApiReference) {
  RpcClient c = d.Client();
  json s =
      c.Ok("session.register",
           {{"name", "alpha"}, {"root", "/w"}, {"ttl_ms", 5000}, {"meta", {{"model", "opus"}}}});
  EXPECT_EQ(s.at("name"), "alpha");
  EXPECT_EQ(s.at("status"), "active");
  EXPECT_EQ(s.at("pause"), nullptr);
  EXPECT_EQ(s.at("expires_at").as_int64(), s.at("last_seen").as_int64() + 5000);
  const std::string id(s.at("id").as_string());

  json hb = c.Ok("session.heartbeat", {{"session", "alpha"}, {"meta", {{"ctx", 0.5}}}});
  EXPECT_EQ(hb.at("id"), id.c_str());
  EXPECT_GT(hb.at("rev").as_int64(), 0);
  json up =
      c.Ok("session.update", {{"session", id}, {"status", "idle"}, {"status_reason", "waiting"}});
  EXPECT_EQ(up.at("status"), "idle");
  EXPECT_EQ(up.at("meta"), (bj::value{{"model", "opus"}, {"ctx", 0.5}}));
  EXPECT_EQ(c.Ok("session.get", {{"session", "alpha"}}).at("id"), id.c_str());
  json list = c.Ok("session.list", {{"status", bj::array{"idle"}}});
  EXPECT_EQ(list.at("sessions").as_array().size(), 1u);
  EXPECT_GT(list.at("rev").as_int64(), 0);

  json p = c.Ok("session.pause", {{"session", "alpha"}, {"note", "lunch"}});
  EXPECT_EQ(p.at("summary"), "(no log entries)");  // the note is kept beside it
  EXPECT_EQ(p.at("session_id"), id.c_str());
  EXPECT_EQ(c.Ok("session.get", {{"session", "alpha"}}).at("pause").at("note"), "lunch");
  EXPECT_EQ(c.Ok("session.resume", {{"session", "alpha"}}).at("status"), "active");
  EXPECT_EQ(c.Ok("session.pauses", {{"session", "alpha"}}).at("pauses").as_array().size(), 1u);
  json st = c.Ok("session.stop", {{"session", "alpha"}, {"reason", "done"}});
  EXPECT_EQ(st.at("status_reason"), "done");
  json reap = c.Ok("session.reap");
  EXPECT_EQ(reap.at("reaped"), 1);
  EXPECT_EQ(reap.at("stopped"), 1);
  EXPECT_EQ(reap.at("sessions"), (bj::value(bj::array{"alpha"})));
  c.Ok("session.register", {{"name", "beta"}});
  EXPECT_EQ(c.Ok("session.remove", {{"session", "beta"}}).at("removed"), true);
}

TEST_P(DaemonApi, TeamAndLogMethodsFollowTheApiReference) {
  RpcClient c = d.Client();
  json t = c.Ok("team.up", {{"project_id", "web"},
                            {"root", "/r"},
                            {"tmux_prefix", "x-"},
                            {"agents", bj::array{"dev", "qa"}}});
  EXPECT_EQ(t.at("agents"), (bj::value(bj::array{"dev", "qa"})));
  EXPECT_EQ(c.Ok("team.list").at("teams").as_array().size(), 1u);
  json roster = c.Ok("team.roster", {{"root", "/r"}});
  EXPECT_EQ(roster.at("roster").at(0).at("tmux_session"), "x-web-dev");
  json orphans = c.Ok("team.orphans", {{"root", "/r"}, {"desired", bj::array{"web:dev"}}});
  EXPECT_EQ(orphans.at("orphans").as_array().size(), 1u);
  // /r has no marker: the file engine's daemon looks at it; on dqlite the
  // member's host agent does, and reports within a cleanup round.
  size_t stale = 0;
  for (int i = 0; i < 100 && stale == 0; ++i) {
    stale = c.Ok("team.stale").at("teams").as_array().size();
    if (stale == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(stale, 1u);
  EXPECT_EQ(c.Ok("team.down", {{"root", "/r"}}).at("removed"), 1);

  c.Ok("session.register", {{"name", "s"}});
  json a = c.Ok("log.append", {{"session", "s"}, {"kind", "prompt"}, {"body", {{"prompt", "hi"}}}});
  EXPECT_EQ(a.at("seq"), 1);
  EXPECT_EQ(a.at("epoch"), 1);
  json rot = c.Ok("log.rotate", {{"session", "s"}, {"kind", "compact"}, {"body", nullptr}});
  EXPECT_EQ(rot.at("epoch"), 2);
  json read = c.Ok("log.read", {{"session", "s"}, {"epoch", 1}});
  EXPECT_EQ(read.at("entries").at(0).at("body").at("prompt"), "hi");
  EXPECT_EQ(c.Ok("log.read", {{"session", "s"}}).at("epoch"), 2);

  json status = c.Ok("status");
  for (const char* k : {"version", "schema_version", "engine", "socket", "rev", "oldest_rev",
                        "sessions", "teams", "subscribers", "uptime_ms", "limits"}) {
    EXPECT_TRUE(status.as_object().contains(k)) << k;
  }
  if (GetParam() == testing::Engine::kFile) {
    EXPECT_EQ(status.at("engine"), "file");
    EXPECT_EQ(status.at("sync"), "full");
    EXPECT_EQ(status.at("db"), d.db().c_str());
    EXPECT_TRUE(status.as_object().contains("wal_bytes"));
  } else {
    EXPECT_EQ(status.at("engine"), "dqlite");
    EXPECT_EQ(status.at("cluster"), d.cluster().c_str());
    EXPECT_EQ(status.at("data"), d.data().c_str());
    EXPECT_GT(status.at("db_bytes").as_int64(), 0);
    EXPECT_GT(status.at("raft_bytes").as_int64(), 0);
  }
  EXPECT_EQ(status.at("limits").at("max_live_sessions"), 3);
}

TEST_P(DaemonApi, EachErrorReasonHasItsPinnedCode) {
  RpcClient c = d.Client();
  c.Ok("session.register", {{"id", "one"}, {"name", "one-name"}});
  auto code = [&](const std::string& m, bj::object p) {
    json r = c.Call(m, std::move(p));
    return std::make_pair(r.at("error").at("code").as_int64(),
                          std::string(r.at("error").at("data").at("reason").as_string()));
  };
  EXPECT_EQ(code("session.get", {{"session", "nope"}}),
            std::make_pair(-32001L, std::string("not_found")));
  EXPECT_EQ(code("session.register", {{"id", "two"}, {"name", "one-name"}}),
            std::make_pair(-32002L, std::string("conflict")));
  EXPECT_EQ(code("session.resume", {{"session", "one"}}),
            std::make_pair(-32003L, std::string("invalid_state")));
  EXPECT_EQ(code("session.get", {{"session", 5}}),
            std::make_pair(-32602L, std::string("invalid_params")));
  c.Ok("session.register", {{"name", "b"}});
  c.Ok("session.register", {{"name", "c"}});
  EXPECT_EQ(code("session.register", {{"name", "d"}}),
            std::make_pair(-32004L, std::string("limit_exceeded")));
  EXPECT_EQ(code("no.such.method", {}), std::make_pair(-32601L, std::string("not_found")));
}

// A register with a root reads the root's git branch first (a probe, off the
// writer); what the connection sent after it still applies after it.
TEST_P(DaemonApi, RequestsOfAConnectionApplyInOrderEvenBehindAProbe) {
  RpcClient c = d.Client();
  c.SendRaw(
      R"({"jsonrpc":"2.0","id":1,"method":"session.register","params":{"id":"p1","root":"/src/app"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"log.append","params":{"session":"p1","kind":"k","body":1}})"
      "\n"
      R"([{"jsonrpc":"2.0","id":3,"method":"session.register","params":{"id":"p2","root":"/src"}},)"
      R"({"jsonrpc":"2.0","id":4,"method":"session.heartbeat","params":{"session":"p2","activity":"working"}}])"
      "\n");
  for (int i = 0; i < 3; ++i) {
    json r = c.ReadResponse();
    const auto& all = r.is_array() ? r.as_array() : bj::array{r};
    for (const auto& one : all) EXPECT_TRUE(one.as_object().contains("result")) << one;
  }
  EXPECT_EQ(c.Ok("log.read", {{"session", "p1"}}).at("entries").as_array().size(), 1u);
  EXPECT_EQ(c.Ok("session.get", {{"session", "p2"}}).at("activity"), "working");
}

// A write the database refuses (here a trigger added by another program) is
// answered with a sentence; SQLite's own text stays in rosterd's log.
TEST_P(DaemonApi, NoRawSqliteTextReachesAClient) {
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "alpha"}});
  d.Exec(
      "CREATE TRIGGER no_logs BEFORE INSERT ON log_entries BEGIN "
      "SELECT RAISE(ABORT, 'secret engine words'); END;");
  json r = c.Call("log.append", {{"session", "alpha"}, {"kind", "k"}, {"body", 1}});
  ASSERT_TRUE(r.as_object().contains("error")) << r;
  const std::string message(r.at("error").at("message").as_string());
  EXPECT_EQ(r.at("error").at("data").at("reason"), "conflict");
  EXPECT_EQ(message.find("secret engine words"), std::string::npos) << message;
  EXPECT_EQ(message.find("constraint failed"), std::string::npos) << message;
  EXPECT_NE(message.find("rosterd's log"), std::string::npos) << message;
  EXPECT_NE(d.Log().find("secret engine words"), std::string::npos);  // for the operator
}

// log.append is not idempotent: sent twice, it appends twice. With a
// request_key, a retry of a write whose answer was lost is answered from the
// write that was applied, not applied again.
TEST_P(DaemonApi, ALogAppendRetriedWithItsRequestKeyIsAppliedOnce) {
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "s"}});
  const bj::object append{
      {"session", "s"}, {"kind", "k"}, {"body", {{"n", 1}}}, {"request_key", "key-1"}};
  json first = c.Ok("log.append", append);
  json again = c.Ok("log.append", append);
  EXPECT_EQ(again, first);
  EXPECT_EQ(c.Ok("log.read", {{"session", "s"}}).at("entries").as_array().size(), 1u);
  bj::object other = append;
  other["body"] = 2;
  EXPECT_EQ(c.Reason("log.append", other), "conflict");
  other["request_key"] = "";
  EXPECT_EQ(c.Reason("log.append", other), "invalid_params");
  const bj::object rotate{
      {"session", "s"}, {"kind", "r"}, {"body", nullptr}, {"request_key", "key-2"}};
  EXPECT_EQ(c.Ok("log.rotate", rotate).at("epoch"), 2);
  EXPECT_EQ(c.Ok("log.rotate", rotate).at("epoch"), 2);
  EXPECT_EQ(c.Ok("log.append", {{"session", "s"}, {"kind", "k"}, {"body", 3}}).at("seq"), 3);
}

TEST_P(DaemonApi, InvalidParamsNameTheField) {
  RpcClient c = d.Client();
  auto message = [&](const std::string& m, bj::object p) {
    json r = c.Call(m, std::move(p));
    return std::string(r.at("error").at("message").as_string());
  };
  EXPECT_NE(message("session.register", {{"ttl_ms", "soon"}}).find("params.ttl_ms"),
            std::string::npos);
  EXPECT_NE(message("session.register", {{"colour", "red"}}).find("params.colour"),
            std::string::npos);
  EXPECT_NE(message("session.heartbeat", {}).find("params.session is required"), std::string::npos);
  EXPECT_NE(message("team.up", {{"project_id", "p"}, {"root", "/r"}, {"agents", bj::array{1}}})
                .find("params.agents"),
            std::string::npos);
  EXPECT_NE(message("log.append", {{"session", "x"}, {"kind", "k"}}).find("params.body"),
            std::string::npos);
  EXPECT_NE(message("watch", {{"entities", bj::array{"cats"}}}).find("cats"), std::string::npos);
  json r = c.Call("session.list", {});
  EXPECT_TRUE(r.as_object().contains("result"));
}

TEST_P(DaemonApi, BatchesAnswerEachRequestAndSkipNotifications) {
  RpcClient c = d.Client();
  c.SendRaw(
      R"([{"jsonrpc":"2.0","id":1,"method":"session.register","params":{"name":"a"}},)"
      R"({"jsonrpc":"2.0","id":2,"method":"session.register","params":{"name":"a","id":"x"}},)"
      R"({"jsonrpc":"2.0","method":"session.register","params":{"name":"n"}},)"
      R"({"jsonrpc":"2.0","id":3,"method":"session.get","params":{"session":"a"}}])"
      "\n");
  json r = c.ReadResponse();
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.as_array().size(), 3u);
  EXPECT_EQ(r.at(0).at("id"), 1);
  EXPECT_TRUE(r.at(0).as_object().contains("result"));
  EXPECT_EQ(r.at(1).at("error").at("data").at("reason"), "conflict");  // neighbours unaffected
  EXPECT_EQ(r.at(2).at("id"), 3);
  // The notification was still executed.
  EXPECT_EQ(c.Ok("session.get", {{"session", "n"}}).at("name"), "n");
  c.SendRaw("[]\n");
  EXPECT_EQ(c.ReadResponse().at("error").at("code"), -32600);
  c.SendRaw(R"([{"jsonrpc":"2.0","method":"status"}])"
            "\n");  // only notifications: no reply
  EXPECT_EQ(c.Ok("session.get", {{"session", "a"}}).at("name"), "a");
}

// session.reap probed every session's process (and tmux) inside its write
// transaction: over 5,000 sessions with a pid, every other writer stalled
// 50-140 ms per call. The probing now runs on a reader. Here tmux takes its
// whole deadline (2 s) to answer, and a write sent meanwhile is answered
// before the reap.
class DaemonReap : public ::testing::TestWithParam<Engine> {};

TEST_P(DaemonReap, ProbesOffTheWriterSoOtherWritesGoOn) {
  testing::TempDir bin;
  const std::string tmux = bin.File("tmux");
  std::ofstream(tmux) << "#!/bin/sh\nsleep 10\n";
  std::filesystem::permissions(tmux, std::filesystem::perms(0755));
  Daemon d({}, GetParam());
  d.SetEnv("PATH", bin.path().string() + ":" + std::getenv("PATH"));
  d.Start();
  RpcClient reaper = d.Client(), other = d.Client();
  reaper.Ok("session.register", {{"name", "in-tmux"}, {"tmux_session", "t1"}});
  reaper.Ok("session.register", {{"name", "done"}});
  reaper.Ok("session.stop", {{"session", "done"}});
  reaper.SendRaw(R"({"jsonrpc":"2.0","id":9,"method":"session.reap"})"
                 "\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the reap is probing
  other.Ok("session.register", {{"name", "meanwhile"}});
  pollfd answered{reaper.fd(), POLLIN, 0};
  if (GetParam() == Engine::kFile) {
    EXPECT_EQ(::poll(&answered, 1, 0), 0) << "the write waited for the reap's probing";
  } else {  // a cluster member's core probes nothing: the host agents report
    EXPECT_EQ(::poll(&answered, 1, 0), 1) << "the reap waited for a probe";
  }
  json r = reaper.ReadResponse(10'000);
  ASSERT_TRUE(r.as_object().contains("result")) << bj::serialize(r);
  EXPECT_EQ(r.at("result").at("sessions"), bj::array{"done"});  // tmux did not answer: kept
  EXPECT_EQ(other.Ok("session.get", {{"session", "in-tmux"}}).at("status"), "active");
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonApi, ROSTER_BOTH_ENGINES);
INSTANTIATE_TEST_SUITE_P(Engines, DaemonReap, ROSTER_BOTH_ENGINES);

}  // namespace
}  // namespace roster

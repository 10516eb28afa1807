// sessions_test.cc — the session rules of the registry, each with the exact
// change-feed rows it must leave.
#include "core/uuid.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using V = std::vector<std::string>;

json::object Obj(const char* text) { return json::parse(text).as_object(); }

TEST(SessionStore, RegisterAssignsUuidV4AndAFriendlyName) {
  RegistryHarness h;
  auto s = h.reg->Register({.root = "/home/me/proj"});
  ASSERT_OK(s);
  EXPECT_TRUE(LooksLikeUuid(s->id));
  EXPECT_EQ(s->id[14], '4');
  EXPECT_EQ(s->name, "proj-" + s->id.substr(0, 4));
  EXPECT_EQ(s->status, "active");
  EXPECT_EQ(s->ttl_ms, 60'000);
  EXPECT_EQ(s->expires_at(), 1'000'000 + 60'000);
  EXPECT_EQ(h.ChangesAfter(0), V{"session insert " + s->id});
}

TEST(SessionStore, RegisterWithKnownIdRevivesTheSameRow) {
  RegistryHarness h;
  auto s = h.reg->Register({.id = "cc-1", .name = "one", .meta = Obj(R"({"model":"a"})")});
  ASSERT_OK(s);
  ASSERT_OK(h.reg->Stop("one", std::string("done")));
  int64_t rev = h.Rev();
  *h.now += 5000;
  auto again = h.reg->Register({.id = "cc-1", .meta = Obj(R"({"branch":"main"})")});
  ASSERT_OK(again);
  EXPECT_EQ(again->status, "active");
  EXPECT_FALSE(again->status_reason.has_value());
  EXPECT_EQ(again->name, "one");
  EXPECT_EQ(again->created_at, s->created_at);
  EXPECT_EQ(again->last_seen, *h.now);
  EXPECT_EQ(json::value(again->meta), json::parse(R"({"model":"a","branch":"main"})"));
  EXPECT_EQ(h.ChangesAfter(rev), V{"session update cc-1"});
  EXPECT_EQ(h.reg->List({}).value().size(), 1u);
}

TEST(SessionStore, RegisterNameHeldByAnotherIdIsConflict) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "shared"}));
  int64_t rev = h.Rev();
  auto r = h.reg->Register({.id = "b", .name = "shared"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_NE(r.status().message().find("already used by session a"), std::string::npos);
  auto clash = h.reg->Register({.id = "c", .name = "a"});  // a name equal to another's id
  EXPECT_EQ(clash.status().code(), Code::kConflict);
  auto id_clash = h.reg->Register({.id = "shared"});  // an id equal to another's name
  EXPECT_EQ(id_clash.status().code(), Code::kConflict);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
}

TEST(SessionStore, RegisterPastMaxLiveSessionsIsLimitExceeded) {
  RegistryHarness h({.max_live_sessions = 2});
  ASSERT_OK(h.reg->Register({.name = "a"}));
  ASSERT_OK(h.reg->Register({.name = "b"}));
  auto r = h.reg->Register({.name = "c"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kLimitExceeded);
  ASSERT_OK(h.reg->Stop("a", std::nullopt));  // stopped sessions do not count
  ASSERT_OK(h.reg->Register({.name = "c"}));
  EXPECT_EQ(h.reg->Counts().value().live_sessions, 2);
}

TEST(SessionStore, RegisterRejectsBadInputWithTheFieldNamed) {
  RegistryHarness h({.max_meta_bytes = 64});
  struct Case {
    RegisterParams p;
    const char* field;
  } cases[] = {
      {{.name = ""}, "name"},
      {{.name = "has space"}, "name"},
      {{.name = "tab\there"}, "name"},
      {{.name = "3f2b9a1c-0000-4000-8000-000000000000"}, "UUID"},
      {{.name = std::string(129, 'n')}, "name"},
      {{.name = std::string("bad\xff")}, "name"},
      {{.id = ""}, "id"},
      {{.pid = 0}, "pid"},
      {{.ttl_ms = 0}, "ttl_ms"},
      {{.ttl_ms = int64_t{1} << 50}, "ttl_ms"},
      {{.meta = Obj(R"({"x":"0123456789012345678901234567890123456789012345678901234567890"})")},
       "meta"},
  };
  for (const auto& c : cases) {
    auto r = h.reg->Register(c.p);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().code(), Code::kInvalidParams) << c.field;
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(h.Rev(), 0);
}

TEST(SessionStore, EveryOperationResolvesByIdOrName) {
  RegistryHarness h;
  auto s = h.reg->Register({.name = "named"});
  ASSERT_OK(s);
  EXPECT_EQ(h.reg->Get(s->id).value().name, "named");
  EXPECT_EQ(h.reg->Get("named").value().id, s->id);
  ASSERT_OK(h.reg->Heartbeat({.session = "named"}));
  ASSERT_OK(h.reg->Heartbeat({.session = s->id}));
  ASSERT_OK(h.reg->Pause("named", std::nullopt));
  ASSERT_OK(h.reg->Resume(s->id));
  auto missing = h.reg->Get("nobody");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(h.reg->Heartbeat({.session = "nobody"}).status().code(), Code::kNotFound);
}

// By name a heartbeat reads the session first; by the id of a live session it
// is one UPDATE (TouchLive). Both answer and store the same.
TEST(SessionStore, PureHeartbeatWritesNoChangeByNameOrById) {
  RegistryHarness h;
  auto s = h.reg->Register({.name = "hb", .ttl_ms = 1000});
  ASSERT_OK(s);
  ASSERT_OK(h.reg->Heartbeat({.session = "hb", .status = "idle"}));
  const int64_t updated_at = h.reg->Get("hb").value().updated_at;
  for (const std::string& session : {std::string("hb"), s->id}) {
    SCOPED_TRACE(session);
    int64_t rev = h.Rev();
    *h.now += 400;
    auto hb = h.reg->Heartbeat({.session = session});
    ASSERT_OK(hb);
    EXPECT_EQ(hb->id, s->id);
    EXPECT_EQ(hb->last_seen, *h.now);
    EXPECT_EQ(hb->expires_at, *h.now + 1000);
    EXPECT_EQ(hb->rev, rev);
    EXPECT_EQ(h.ChangesAfter(rev), V{});
    auto now = h.reg->Get("hb").value();
    EXPECT_EQ(now.last_seen, *h.now);
    EXPECT_EQ(now.updated_at, updated_at);
    EXPECT_EQ(now.status, "idle");
  }
}

TEST(SessionStore, HeartbeatWithMetaOrStatusIsAChange) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "i", .name = "hb", .meta = Obj(R"({"a":1,"b":2})")}));
  int64_t rev = h.Rev();
  auto hb =
      h.reg->Heartbeat({.session = "hb", .meta = Obj(R"({"b":null,"c":3})"), .status = "idle"});
  ASSERT_OK(hb);
  EXPECT_EQ(hb->rev, rev + 1);
  auto s = h.reg->Get("hb");
  EXPECT_EQ(json::value(s->meta), json::parse(R"({"a":1,"c":3})"));
  EXPECT_EQ(s->status, "idle");
  EXPECT_EQ(h.ChangesAfter(rev), V{"session update i"});
  auto bad = h.reg->Heartbeat({.session = "hb", .status = "paused"});
  EXPECT_EQ(bad.status().code(), Code::kInvalidParams);
}

TEST(SessionStore, HeartbeatRevivesAStaleSession) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "s", .name = "s", .ttl_ms = 100}));
  *h.now += 101;
  ASSERT_EQ(h.reg->ExpireSessions(100).value().expired, 1);
  EXPECT_EQ(h.reg->Get("s").value().status, "stale");
  ASSERT_OK(h.reg->Heartbeat({.session = "s"}));  // by id: not live, so the general path
  auto s = h.reg->Get("s");
  EXPECT_EQ(s->status, "active");
  EXPECT_FALSE(s->status_reason.has_value());
}

TEST(SessionStore, UpdateSetsFieldsAndMergesMeta) {
  RegistryHarness h;
  h.probe->processes[42] = 777;
  ASSERT_OK(h.reg->Register({.id = "u", .name = "up", .meta = Obj(R"({"k":{"x":1}})")}));
  int64_t rev = h.Rev();
  auto s = h.reg->Update({.session = "up",
                          .status = "idle",
                          .status_reason = "waiting",
                          .meta = Obj(R"({"k":{"y":2}})"),
                          .pid = 42,
                          .root = "/w",
                          .tmux_session = "tm",
                          .ttl_ms = 5000});
  ASSERT_OK(s);
  EXPECT_EQ(s->status, "idle");
  EXPECT_EQ(s->status_reason, "waiting");
  EXPECT_EQ(json::value(s->meta), json::parse(R"({"k":{"x":1,"y":2}})"));
  EXPECT_EQ(s->pid, 42);
  EXPECT_EQ(s->root, "/w");
  EXPECT_EQ(s->tmux_session, "tm");
  EXPECT_EQ(s->ttl_ms, 5000);
  EXPECT_EQ(h.ChangesAfter(rev), V{"session update u"});
  EXPECT_EQ(h.reg->Update({.session = "up", .status = "stopped"}).status().code(),
            Code::kInvalidParams);
}

TEST(SessionStore, StoppedSessionRefusesEverythingButRemove) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "x", .name = "st"}));
  auto stopped = h.reg->Stop("st", std::string("user exit"));
  ASSERT_OK(stopped);
  EXPECT_EQ(stopped->status, "stopped");
  EXPECT_EQ(stopped->status_reason, "user exit");
  int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->Heartbeat({.session = "st"}).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->Update({.session = "st", .root = "/x"}).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->Pause("st", std::nullopt).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->Resume("st").status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->Stop("st", std::nullopt).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->LogAppend("st", "k", json::value(1)).status().code(), Code::kInvalidState);
  // By id too (heartbeats and appends have a shorter path for ids).
  EXPECT_EQ(h.reg->Heartbeat({.session = "x"}).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.reg->LogAppend("x", "k", json::value(1)).status().code(), Code::kInvalidState);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
  ASSERT_TRUE(h.reg->Remove("st").ok());
  EXPECT_EQ(h.ChangesAfter(rev), V{"session delete x"});
  EXPECT_EQ(h.reg->Get("st").status().code(), Code::kNotFound);
}

TEST(SessionStore, ListFiltersByStatusAndRootAndPagesByName) {
  RegistryHarness h;
  for (const char* n : {"d", "a", "c", "b", "e"}) {
    ASSERT_OK(h.reg->Register({.name = n, .root = std::string(n) < "c" ? "/one" : "/two"}));
  }
  ASSERT_OK(h.reg->Stop("e", std::nullopt));
  ASSERT_OK(h.reg->Pause("b", std::nullopt));
  auto names = [](const std::vector<Session>& v) {
    V out;
    for (const auto& s : v) out.push_back(s.name);
    return out;
  };
  EXPECT_EQ(names(h.reg->List({}).value()), (V{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(names(h.reg->List({.statuses = {"active"}}).value()), (V{"a", "c", "d"}));
  EXPECT_EQ(names(h.reg->List({.statuses = {"paused", "stopped"}}).value()), (V{"b", "e"}));
  EXPECT_EQ(names(h.reg->List({.root = "/one"}).value()), (V{"a", "b"}));
  EXPECT_EQ(names(h.reg->List({.after = "b", .limit = 2}).value()), (V{"c", "d"}));
  auto paused = h.reg->List({.statuses = {"paused"}}).value();
  ASSERT_TRUE(paused[0].pause.has_value());
  EXPECT_EQ(h.reg->List({.statuses = {"zombie"}}).status().code(), Code::kInvalidParams);
}

TEST(SessionStore, ListJsonIsExactlyTheApiShapeOfList) {
  RegistryHarness h;
  h.probe->processes[9] = 1;
  ASSERT_OK(
      h.reg->Register({.name = "a",
                       .root = "/r",
                       .pid = 9,
                       .tmux_session = "t",
                       .meta = Obj(R"({"model":"opus","cost":1.25,"n":{"deep":[1,null,"x"]}})"),
                       .tmux_pane = "%3",
                       .tmux_socket = "/tmp/tmux-1/default",
                       .activity = "waiting_permission"}));
  ASSERT_OK(h.reg->Register({.name = "b"}));
  ASSERT_OK(h.reg->GrantRestartGrace());  // b: a grace, and an expiry that accounts for it
  ASSERT_OK(h.reg->Pause("b", std::string("note \"quoted\" ✓")));
  ASSERT_OK(h.reg->Register({.name = "c"}));
  ASSERT_OK(h.reg->Stop("c", std::string("done")));
  for (const ListParams& p :
       {ListParams{}, ListParams{.statuses = {"paused"}}, ListParams{.after = "a", .limit = 1}}) {
    auto objects = h.reg->List(p);
    int64_t rev = -1;
    auto text = h.reg->ListJson(p, &rev);
    ASSERT_OK(objects);
    ASSERT_OK(text);
    EXPECT_EQ(json::parse(*text), json::value_from(*objects)) << *text;
    EXPECT_EQ(rev, h.Rev());
  }
  int64_t rev = 0;
  EXPECT_EQ(h.reg->ListJson({.statuses = {"zombie"}}, &rev).status().code(), Code::kInvalidParams);
}

TEST(SessionStore, PauseKeepsTheNoteBesideTheSummaryOfTheLog) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "p", .name = "pz"}));
  ASSERT_OK(h.reg->LogAppend("pz", "prompt", json::parse(R"({"prompt":"refactor"})")));
  int64_t rev = h.Rev();
  auto r = h.reg->Pause("pz", std::string("left off at step 3"));
  ASSERT_OK(r);
  EXPECT_EQ(r->summary, "prompt: refactor");  // where the agent was, not the note
  EXPECT_EQ(r->session_id, "p");
  EXPECT_EQ(r->paused_at, *h.now);
  auto s = h.reg->Get("pz");
  EXPECT_EQ(s->status, "paused");
  ASSERT_TRUE(s->pause.has_value());
  EXPECT_EQ(s->pause->note, "left off at step 3");
  EXPECT_EQ(s->pause->summary, "prompt: refactor");
  EXPECT_EQ(h.ChangesAfter(rev), (V{"pause insert 1", "session update p"}));
  EXPECT_EQ(h.reg->Pause("pz", std::nullopt).status().code(), Code::kInvalidState);
}

TEST(SessionStore, PauseWithoutNoteSummarizesLatestLogsWithin500Chars) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "pz"}));
  ASSERT_OK(h.reg->LogAppend("pz", "prompt", json::parse(R"({"prompt":"refactor"})")));
  ASSERT_OK(h.reg->LogAppend("pz", "Stop", json::value(std::string(800, 'z'))));
  auto r = h.reg->Pause("pz", std::nullopt);
  ASSERT_OK(r);
  EXPECT_EQ(r->summary.size(), 500u);
  EXPECT_EQ(r->summary, std::string(500, 'z'));
  ASSERT_OK(h.reg->Resume("pz"));
  ASSERT_OK(h.reg->LogAppend("pz", "note", json::value("short")));
  auto again = h.reg->Pause("pz", std::nullopt);
  EXPECT_EQ(again->summary.substr(again->summary.size() - 11), "note: short");
}

TEST(SessionStore, ResumeOfUnpausedSessionIsInvalidState) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "r"}));
  int64_t rev = h.Rev();
  auto r = h.reg->Resume("r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidState);
  EXPECT_NE(r.status().message().find("not paused"), std::string::npos);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
}

TEST(SessionStore, ResumeClosesThePauseAndHistoryKeepsEveryPause) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "r", .name = "rz"}));
  ASSERT_OK(h.reg->Pause("rz", std::string("first")));
  *h.now += 1000;
  int64_t rev = h.Rev();
  auto s = h.reg->Resume("rz");
  ASSERT_OK(s);
  EXPECT_EQ(s->status, "active");
  EXPECT_FALSE(s->pause.has_value());
  EXPECT_EQ(s->last_seen, *h.now);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"pause update 1", "session update r"}));
  ASSERT_OK(h.reg->Pause("rz", std::string("second")));
  auto hist = h.reg->Pauses("rz");
  ASSERT_OK(hist);
  ASSERT_EQ(hist->size(), 2u);
  EXPECT_EQ((*hist)[0].note, "first");
  EXPECT_EQ((*hist)[0].resumed_at, *h.now);
  EXPECT_EQ((*hist)[1].note, "second");
  EXPECT_FALSE((*hist)[1].resumed_at.has_value());
}

TEST(SessionStore, PausedSessionsIgnoreStatusHeartbeatsAndNeverExpire) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "pz", .ttl_ms = 10}));
  ASSERT_OK(h.reg->Pause("pz", std::nullopt));
  EXPECT_EQ(h.reg->Heartbeat({.session = "pz", .status = "active"}).status().code(),
            Code::kInvalidState);
  ASSERT_OK(h.reg->Heartbeat({.session = "pz"}));
  *h.now += 1'000'000;
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 0);
  EXPECT_EQ(h.reg->Get("pz").value().status, "paused");
}

TEST(SessionStore, RemoveDeletesTheSessionWithItsLogsAndPauses) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "rm", .name = "gone"}));
  ASSERT_OK(h.reg->LogAppend("gone", "k", json::value(1)));
  ASSERT_OK(h.reg->Pause("gone", std::string("n")));
  int64_t rev = h.Rev();
  ASSERT_TRUE(h.reg->Remove("gone").ok());
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log delete rm:1", "pause delete 1", "session delete rm"}));
  EXPECT_EQ(h.reg->Remove("gone").code(), Code::kNotFound);
  EXPECT_EQ(h.reg->Counts().value().log_entries, 0);
}

TEST(SessionStore, ReapRemovesDeadAndStoppedSessionsOnly) {
  RegistryHarness h;
  h.probe->processes = {{100, 5}, {200, 6}};
  h.probe->tmux = std::set<std::string>{"alive-tmux"};
  ASSERT_OK(h.reg->Register({.name = "alive-pid", .pid = 100}));
  ASSERT_OK(h.reg->Register({.name = "reused-pid", .pid = 200}));
  ASSERT_OK(h.reg->Register({.name = "dead-pid", .pid = 300}));
  ASSERT_OK(h.reg->Register({.name = "alive-tmux", .tmux_session = "alive-tmux"}));
  ASSERT_OK(h.reg->Register({.name = "dead-tmux", .tmux_session = "gone-tmux"}));
  ASSERT_OK(h.reg->Register({.name = "no-process"}));
  ASSERT_OK(h.reg->Register({.name = "paused-dead", .pid = 400}));
  ASSERT_OK(h.reg->Pause("paused-dead", std::nullopt));
  ASSERT_OK(h.reg->Register({.name = "stopped"}));
  ASSERT_OK(h.reg->Stop("stopped", std::nullopt));
  h.probe->processes[200] = 99;  // the pid now belongs to another process
  auto r = h.reg->Reap();
  ASSERT_OK(r);
  EXPECT_EQ(r->sessions, (V{"dead-pid", "dead-tmux", "reused-pid", "stopped"}));
  EXPECT_EQ(r->reaped, 4);
  EXPECT_EQ(r->stopped, 1);
  EXPECT_EQ(h.reg->List({}).value().size(), 4u);
}

TEST(SessionStore, ReapLeavesTmuxSessionsAloneWhenTmuxCannotBeAsked) {
  RegistryHarness h;
  h.probe->tmux = std::nullopt;
  ASSERT_OK(h.reg->Register({.name = "t1", .tmux_session = "a"}));
  ASSERT_OK(h.reg->Register({.name = "t2", .pid = 999, .tmux_session = "b"}));
  auto r = h.reg->Reap();
  ASSERT_OK(r);
  EXPECT_EQ(r->reaped, 0);
  EXPECT_EQ(h.reg->List({}).value().size(), 2u);
}

}  // namespace
}  // namespace roster

// liveness_test.cc — the rules that keep an agent's session true to its life:
// a pid beats the TTL, the hook TTL for sessions without one, the restart
// grace in its own field, activity (and which heartbeats are changes), and a
// pause that only resume ends (re-register keeps it; stop closes it).
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/migrations.h"
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using V = std::vector<std::string>;

TEST(Liveness, ASessionWithALivePidNeverExpiresByTtlAndEndsWhenItsProcessDoes) {
  RegistryHarness h;
  h.probe->processes[42] = 7;
  ASSERT_OK(h.reg->Register({.id = "agent", .pid = 42, .ttl_ms = 100}));
  ASSERT_OK(h.reg->Register({.id = "nopid", .ttl_ms = 100}));
  auto s = h.reg->Get("agent").value();
  EXPECT_FALSE(s.expires_at().has_value());  // its process decides, not a TTL
  EXPECT_EQ(h.reg->Get("nopid").value().expires_at(), *h.now + 100);
  *h.now += 3'600'000;  // an hour at the prompt
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 1);
  EXPECT_EQ(h.reg->Get("agent").value().status, "active");
  EXPECT_EQ(h.reg->Get("nopid").value().status_reason, "ttl");
  h.probe->processes.erase(42);
  std::string cursor;
  auto dead = h.reg->FindDeadProcesses(&cursor, 100).value();
  EXPECT_EQ(h.reg->MarkProcessesExited(dead).value(), 1);
  EXPECT_EQ(h.reg->Get("agent").value().status_reason, "process_exited");
}

TEST(Liveness, AHookSessionWithoutAPidGetsTheHookTtl) {
  RegistryHarness h({.hook_ttl_ms = 7'200'000});
  auto hook = h.reg->Register({.id = "cc", .hook = true});
  ASSERT_OK(hook);
  EXPECT_EQ(hook->ttl_ms, 7'200'000);
  EXPECT_EQ(h.reg->Register({.id = "api"}).value().ttl_ms, 60'000);
  EXPECT_EQ(h.reg->Register({.id = "cc2", .ttl_ms = 5, .hook = true}).value().ttl_ms, 5);
  // A session first registered by hand and revived by a hook takes the hook TTL.
  EXPECT_EQ(h.reg->Register({.id = "api", .hook = true}).value().ttl_ms, 7'200'000);
  *h.now += 7'200'001;
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 3);
}

TEST(Liveness, RestartGraceLivesInItsOwnFieldAndLastSeenKeepsTheLastContact) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .ttl_ms = 1000}));
  const int64_t contact = *h.now;
  int64_t rev = h.Rev();
  *h.now += 50'000;
  h.Open();
  EXPECT_EQ(h.reg->GrantRestartGrace().value(), 1);
  auto s = h.reg->Get("a").value();
  EXPECT_EQ(s.last_seen, contact);
  EXPECT_EQ(s.grace_until, *h.now + 1000);
  EXPECT_EQ(s.expires_at(), *h.now + 1000);
  EXPECT_EQ(h.ChangesAfter(rev), V{});  // like a heartbeat, not a change
  *h.now += 1000;
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 0);
  *h.now += 1;
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 1);
}

TEST(Liveness, ActivitySetsTheStatusAndOnlyANewActivityIsAChange) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "cc", .activity = "waiting_input"}));
  EXPECT_EQ(h.reg->Get("cc").value().status, "idle");
  int64_t rev = h.Rev();
  auto hb = h.reg->Heartbeat({.session = "cc", .activity = "working"});
  ASSERT_OK(hb);
  EXPECT_EQ(hb->status, "active");
  EXPECT_EQ(h.ChangesAfter(rev), V{"session update cc"});
  rev = h.Rev();
  *h.now += 10;
  ASSERT_OK(h.reg->Heartbeat({.session = "cc", .activity = "working"}));  // the same: not a change
  EXPECT_EQ(h.ChangesAfter(rev), V{});
  EXPECT_EQ(h.reg->Get("cc").value().last_seen, *h.now);
  ASSERT_OK(h.reg->Heartbeat({.session = "cc", .activity = "waiting_permission"}));
  auto s = h.reg->Get("cc").value();
  EXPECT_EQ(s.activity, "waiting_permission");
  EXPECT_EQ(s.status, "idle");
  EXPECT_EQ(h.reg->Heartbeat({.session = "cc", .activity = "sleeping"}).status().code(),
            Code::kInvalidParams);
  // The one query of "who needs me now?".
  ASSERT_OK(h.reg->Register({.id = "busy", .activity = "working"}));
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(id) FROM needs_user").getString(), "cc");
  ASSERT_OK(h.reg->Stop("cc", std::nullopt));  // an ended agent needs nobody
  EXPECT_TRUE(db.execAndGet("SELECT group_concat(id) FROM needs_user").isNull());
}

TEST(Liveness, NoHeartbeatOrReRegisterEndsAPauseAndTheAnswerCarriesIt) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "cc", .activity = "working"}));
  ASSERT_OK(h.reg->Pause("cc", std::string("wait for review")));
  auto hb = h.reg->Heartbeat({.session = "cc", .activity = "working"});
  ASSERT_OK(hb);
  EXPECT_EQ(hb->status, "paused");
  ASSERT_TRUE(hb->pause.has_value());
  EXPECT_EQ(hb->pause->note, "wait for review");
  ASSERT_OK(h.reg->Heartbeat({.session = "cc", .activity = "waiting_input"}));
  EXPECT_EQ(h.reg->Get("cc").value().activity, "waiting_input");  // recorded, still paused
  auto again = h.reg->Register({.id = "cc", .root = "/new", .activity = "working", .hook = true});
  ASSERT_OK(again);
  EXPECT_EQ(again->status, "paused");
  ASSERT_TRUE(again->pause.has_value());
  EXPECT_EQ(again->pause->note, "wait for review");
  EXPECT_EQ(again->root, "/new");
  EXPECT_EQ(h.reg->Pauses("cc").value().size(), 1u);
  auto resumed = h.reg->Resume("cc");
  ASSERT_OK(resumed);
  EXPECT_EQ(h.reg->Pauses("cc").value().at(0).ended_by, "resume");
}

TEST(Liveness, PauseStopRevivePauseResume) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "cc", .root = "/src/app"}));
  ASSERT_OK(h.reg->Pause("cc", std::string("first")));
  *h.now += 10;
  auto stopped = h.reg->Stop("cc", std::string("logout"));
  ASSERT_OK(stopped);
  EXPECT_FALSE(stopped->pause.has_value());
  auto hist = h.reg->Pauses("cc").value();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].resumed_at, *h.now);
  EXPECT_EQ(hist[0].ended_by, "stop");
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM open_pauses").getInt(), 0);
  auto revived = h.reg->Register({.id = "cc"});  // no root: the stored one stays
  ASSERT_OK(revived);
  EXPECT_EQ(revived->status, "active");
  EXPECT_FALSE(revived->pause.has_value());
  EXPECT_EQ(revived->root, "/src/app");
  ASSERT_OK(h.reg->Pause("cc", std::string("second")));
  ASSERT_OK(h.reg->Resume("cc"));
  EXPECT_EQ(h.reg->Pauses("cc").value().size(), 2u);
}

TEST(Liveness, AShellWrittenStopLeavesNoPauseThatBlocksTheNextOne) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "cc"}));
  ASSERT_OK(h.reg->Pause("cc", std::nullopt));
  SQLite::Database(h.db, SQLite::OPEN_READWRITE)
      .exec("UPDATE sessions SET status = 'stopped' WHERE id = 'cc'");
  ASSERT_OK(h.reg->Register({.id = "cc"}));
  ASSERT_OK(h.reg->Pause("cc", std::string("again")));
  EXPECT_EQ(h.reg->Pauses("cc").value().at(0).ended_by, "stop");
}

TEST(Liveness, Migration6ClosesThePausesOfStoppedSessions) {
  testing::TempDir dir;
  const std::string path = dir.File("v5.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (size_t i = 0; i < 5; ++i) db.exec(store::EmbeddedMigrations().at(i).sql);
    db.exec("PRAGMA user_version = 5");
    db.exec(
        "INSERT INTO sessions (id, name, status, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('s', 's', 'stopped', 1, 77, 1, 10), ('p', 'p', 'paused', 1, 1, 1, 10)");
    db.exec(
        "INSERT INTO pauses (session_id, paused_at, summary) VALUES ('s', 5, 'x'), ('p', 6, 'y')");
  }
  ASSERT_TRUE(store::Connection::Open({.path = path}).ok());
  SQLite::Database db(path);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(session_id || ':' || coalesce(resumed_at, '-') || "
                          "':' || coalesce(ended_by, '-'), ' ') FROM (SELECT * FROM pauses "
                          "ORDER BY id)")
                .getString(),
            "s:77:stop p:-:-");
}

}  // namespace
}  // namespace roster

// maintenance_test.cc — what the cleanup strand runs: expiry, dead-process
// detection, purge, log trimming, feed compaction, restart grace, and batch
// atomicity (a failed operation inside a batch leaves its neighbours).
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <limits>

#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using V = std::vector<std::string>;
constexpr int64_t kNoBound = std::numeric_limits<int64_t>::max();

TEST(Maintenance, ExpiryMarksOnlyActiveAndIdleSessionsPastTheirTtl) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "old", .name = "old", .ttl_ms = 100}));
  ASSERT_OK(h.reg->Register({.id = "young", .name = "young", .ttl_ms = 10'000}));
  ASSERT_OK(h.reg->Register({.id = "idle", .name = "idle", .ttl_ms = 100}));
  ASSERT_OK(h.reg->Heartbeat({.session = "idle", .status = "idle"}));
  ASSERT_OK(h.reg->Register({.id = "p", .name = "p", .ttl_ms = 100}));
  ASSERT_OK(h.reg->Pause("p", std::nullopt));
  ASSERT_OK(h.reg->Register({.id = "s", .name = "s", .ttl_ms = 100}));
  ASSERT_OK(h.reg->Stop("s", std::nullopt));
  int64_t rev = h.Rev();
  *h.now += 100;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 0);  // exactly at expiry: still alive
  *h.now += 1;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 2);
  V changes = h.ChangesAfter(rev);
  std::sort(changes.begin(), changes.end());  // same expiry instant: any order
  EXPECT_EQ(changes, (V{"session update idle", "session update old"}));
  auto old = h.reg->Get("old").value();
  EXPECT_EQ(old.status, "stale");
  EXPECT_EQ(old.status_reason, "ttl");
  EXPECT_EQ(h.reg->Get("young").value().status, "active");
}

TEST(Maintenance, ExpiryWorksInBoundedBatches) {
  RegistryHarness h;
  for (int i = 0; i < 25; ++i)
    ASSERT_OK(h.reg->Register({.name = "s" + std::to_string(i), .ttl_ms = 1}));
  *h.now += 2;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 10);
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 10);
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 5);
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 0);
}

// Heartbeats leave a session's expiry check where registration put it; the
// sweep that finds the check due moves it to the session's expiry instead.
TEST(Maintenance, ExpiryRechecksASessionThatHeartbeatSinceItsCheck) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a", .ttl_ms = 100}));
  *h.now += 60;
  ASSERT_OK(h.reg->Heartbeat({.session = "a"}));  // expires at start + 160 now
  *h.now += 41;                                   // start + 101: the first check is due
  auto pass = h.reg->ExpireSessions(10).value();
  EXPECT_EQ(pass.expired, 0);
  EXPECT_EQ(pass.checked, 1);
  EXPECT_EQ(h.reg->Get("a").value().status, "active");
  EXPECT_EQ(h.reg->ExpireSessions(10).value().checked, 0);  // next check: at its expiry
  *h.now += 59;                                             // start + 160: exactly at expiry
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 0);
  *h.now += 1;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 1);
  EXPECT_EQ(h.reg->Get("a").value().status, "stale");
}

TEST(Maintenance, ExpiryTakesAtMostABatchOfDueSessionsAlivesIncluded) {
  RegistryHarness h;
  for (int i = 0; i < 25; ++i)
    ASSERT_OK(h.reg->Register({.name = "s" + std::to_string(i), .ttl_ms = 100}));
  *h.now += 50;
  for (int i = 0; i < 25; ++i) ASSERT_OK(h.reg->Heartbeat({.session = "s" + std::to_string(i)}));
  *h.now += 51;  // every check is due, nobody has expired
  for (int64_t want : {10, 10, 5, 0}) {
    auto pass = h.reg->ExpireSessions(10).value();
    EXPECT_EQ(pass.checked, want);
    EXPECT_EQ(pass.expired, 0);
  }
  *h.now += 50;  // now all have expired
  for (int64_t want : {10, 10, 5, 0}) EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, want);
}

// A shell write that brings an expiry closer must not wait for the old check.
TEST(Maintenance, ShellWriteThatShortensALifeExpiresTheSessionAtTheNextSweep) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "ttl", .name = "ttl", .ttl_ms = 60'000}));
  ASSERT_OK(h.reg->Register({.id = "seen", .name = "seen", .ttl_ms = 60'000}));
  ASSERT_OK(h.reg->Register({.id = "kept", .name = "kept", .ttl_ms = 60'000}));
  {
    SQLite::Database shell(h.db, SQLite::OPEN_READWRITE);
    shell.exec("UPDATE sessions SET ttl_ms = 100 WHERE id = 'ttl'");
    shell.exec("UPDATE sessions SET last_seen = 0 WHERE id = 'seen'");
  }
  *h.now += 101;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 2);
  EXPECT_EQ(h.reg->Get("ttl").value().status, "stale");
  EXPECT_EQ(h.reg->Get("seen").value().status, "stale");
  EXPECT_EQ(h.reg->Get("kept").value().status, "active");
}

// A row without a host (the shell's) is claimed by the cleanup round, which
// then sweeps it.
TEST(Maintenance, SessionInsertedByTheShellIsCheckedAtTheNextSweep) {
  RegistryHarness h;
  {
    SQLite::Database shell(h.db, SQLite::OPEN_READWRITE);
    shell.exec(
        "INSERT INTO sessions (id, name, created_at, updated_at, last_seen, ttl_ms) "
        "VALUES ('old', 'old', 1, 1, 1, 10), ('new', 'new', 1, 1, " +
        std::to_string(*h.now) + ", 1000)");
  }
  EXPECT_EQ(h.reg->ExpireSessions(10).value().checked, 0);  // not this host's yet
  EXPECT_EQ(h.reg->ClaimUnowned().value(), 2);
  auto pass = h.reg->ExpireSessions(10).value();
  EXPECT_EQ(pass.checked, 2);
  EXPECT_EQ(pass.expired, 1);
  EXPECT_EQ(h.reg->Get("old").value().status, "stale");
  EXPECT_EQ(h.reg->Get("new").value().status, "active");
  *h.now += 1001;
  EXPECT_EQ(h.reg->ExpireSessions(10).value().expired, 1);
}

TEST(Maintenance, DeadProcessesAreMarkedStaleIncludingReusedPids) {
  RegistryHarness h;
  h.probe->processes = {{10, 1}, {20, 2}};
  ASSERT_OK(h.reg->Register({.id = "alive", .name = "alive", .pid = 10}));
  ASSERT_OK(h.reg->Register({.id = "reused", .name = "reused", .pid = 20}));
  ASSERT_OK(h.reg->Register({.id = "dead", .name = "dead", .pid = 30}));
  ASSERT_OK(h.reg->Register({.id = "nopid", .name = "nopid"}));
  h.probe->processes[20] = 3;
  int64_t rev = h.Rev();
  int64_t marked = 0;
  std::string cursor;
  for (int i = 0; i < 3; ++i) {  // one session per round, as the cleanup strand does
    auto dead = h.reg->FindDeadProcesses(&cursor, 1);
    ASSERT_OK(dead);
    marked += h.reg->MarkProcessesExited(dead.value()).value();
  }
  EXPECT_EQ(marked, 2);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"session update dead", "session update reused"}));
  EXPECT_EQ(h.reg->Get("dead").value().status_reason, "process_exited");
  EXPECT_EQ(h.reg->Get("alive").value().status, "active");
  EXPECT_EQ(h.reg->Get("nopid").value().status, "active");
}

TEST(Maintenance, SessionThatMovedToANewPidAfterTheProbeIsNotMarked) {
  RegistryHarness h;
  h.probe->processes = {{20, 2}};
  ASSERT_OK(h.reg->Register({.id = "moved", .name = "moved", .pid = 10}));
  ASSERT_OK(h.reg->Register({.id = "gone", .name = "gone", .pid = 30}));
  std::string cursor;
  auto dead = h.reg->FindDeadProcesses(&cursor, 10).value();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(cursor, "");  // fewer than the batch: wraps around
  // Between the probe (a reader) and the mark (the writer) "moved" re-registers.
  ASSERT_OK(h.reg->Update({.session = "moved", .pid = 20}));
  EXPECT_EQ(h.reg->MarkProcessesExited(dead).value(), 1);
  EXPECT_EQ(h.reg->Get("moved").value().status, "active");
  EXPECT_EQ(h.reg->Get("gone").value().status_reason, "process_exited");
}

TEST(Maintenance, PurgeRemovesOldStaleAndStoppedSessionsWithLogsAndPauses) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "st", .name = "st"}));
  ASSERT_OK(h.reg->LogAppend("st", "k", json::value(1)));
  ASSERT_OK(h.reg->Stop("st", std::nullopt));
  ASSERT_OK(h.reg->Register({.id = "live", .name = "live"}));
  *h.now += 1000;
  ASSERT_OK(h.reg->Register({.id = "recent", .name = "recent"}));
  ASSERT_OK(h.reg->Stop("recent", std::nullopt));
  int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->PurgeSessions(500, 100).value(), 1);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log delete st:1", "session delete st"}));
  EXPECT_EQ(h.reg->List({}).value().size(), 2u);
}

TEST(Maintenance, TrimLogsKeepsEachSessionsNewestEntrySoSeqContinues) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  for (int i = 0; i < 3; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  ASSERT_OK(h.reg->LogRotate("a", "rot", json::value("r")));
  *h.now += 10'000;
  int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->TrimLogs(1000, kNoBound, 100).value(), 3);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log delete a:1", "log delete a:2", "log delete a:3"}));
  auto next = h.reg->LogAppend("a", "k", json::value("after"));
  EXPECT_EQ(next->seq, 5);
  EXPECT_EQ(next->epoch, 2);
}

TEST(Maintenance, TrimLogsKeepsAtMostMaxRowsOldestFirstButEachSessionsNewest) {
  RegistryHarness h;
  for (const char* s : {"a", "b", "c"}) ASSERT_OK(h.reg->Register({.id = s, .name = s}));
  ASSERT_OK(h.reg->LogAppend("c", "k", json::value("oldest, but c's newest")));
  for (int i = 0; i < 5; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  ASSERT_OK(h.reg->LogAppend("b", "k", json::value("only")));
  for (int i = 0; i < 2; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  // 9 entries, none old; keep 3 (b:1, a:6, a:7): a:1..a:5 go, in batches of
  // 2, and c:1 stays, being c's newest.
  int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->TrimLogs(3'600'000, 3, 2).value(), 2);
  EXPECT_EQ(h.reg->TrimLogs(3'600'000, 3, 2).value(), 2);
  EXPECT_EQ(h.reg->TrimLogs(3'600'000, 3, 2).value(), 1);
  EXPECT_EQ(h.reg->TrimLogs(3'600'000, 3, 2).value(), 0);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log delete a:1", "log delete a:2", "log delete a:3",
                                    "log delete a:4", "log delete a:5"}));
  EXPECT_EQ(h.reg->LogRead({.session = "b"}).value().entries.size(), 1u);
  EXPECT_EQ(h.reg->LogRead({.session = "c"}).value().entries.size(), 1u);
  EXPECT_EQ(h.reg->LogRead({.session = "a"}).value().entries.size(), 2u);
  EXPECT_EQ(h.reg->LogAppend("a", "k", json::value("next"))->seq, 8);
}

TEST(Maintenance, CompactionDeletesAPrefixAndRecordsTheHorizon) {
  RegistryHarness h;
  for (int i = 0; i < 10; ++i) ASSERT_OK(h.reg->Register({.name = "s" + std::to_string(i)}));
  EXPECT_EQ(h.reg->CompactChanges(3'600'000, 4, 100).value(), 6);
  auto counts = h.reg->Counts().value();
  EXPECT_EQ(counts.rev, 10);
  EXPECT_EQ(counts.oldest_rev, 7);
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("SELECT value FROM meta WHERE key = 'compacted_rev'").getString(), "6");
  // Revs are never reused after compaction, even of everything.
  EXPECT_EQ(h.reg->CompactChanges(3'600'000, 0, 100).value(), 4);
  ASSERT_OK(h.reg->Register({.name = "next"}));
  EXPECT_EQ(h.reg->Counts().value().rev, 11);
  EXPECT_EQ(h.reg->Counts().value().oldest_rev, 11);
}

TEST(Maintenance, TimeRetentionCompactsTheOldPrefixInBatchesAndStopsAtTheFirstYoungRow) {
  RegistryHarness h;
  for (int i = 0; i < 8; ++i) ASSERT_OK(h.reg->Register({.name = "s" + std::to_string(i)}));
  {  // feed ts comes from SQLite's clock: date revs 1-5 10 s back, 6-8 now
    SQLite::Database db(h.db, SQLite::OPEN_READWRITE);
    db.exec("UPDATE changes SET ts = CASE WHEN rev <= 5 THEN " + std::to_string(*h.now - 10'000) +
            " ELSE " + std::to_string(*h.now) + " END");
  }
  const int64_t keep_5s = 5'000, no_row_cap = 1'000'000;
  EXPECT_EQ(h.reg->CompactChanges(keep_5s, no_row_cap, 2).value(), 2);
  EXPECT_EQ(h.reg->CompactChanges(keep_5s, no_row_cap, 2).value(), 2);
  EXPECT_EQ(h.reg->CompactChanges(keep_5s, no_row_cap, 2).value(), 1);
  EXPECT_EQ(h.reg->CompactChanges(keep_5s, no_row_cap, 2).value(), 0);
  EXPECT_EQ(h.reg->Counts().value().oldest_rev, 6);
}

TEST(Maintenance, RestartGraceGivesLiveSessionsOneFullTtlWithoutAChange) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "a", .ttl_ms = 1000}));
  ASSERT_OK(h.reg->Register({.name = "p", .ttl_ms = 1000}));
  ASSERT_OK(h.reg->Pause("p", std::nullopt));
  int64_t rev = h.Rev();
  *h.now += 50'000;  // the daemon was down for 50 s
  h.Open();          // restart
  EXPECT_EQ(h.reg->GrantRestartGrace().value(), 1);
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 0);
  EXPECT_EQ(h.reg->Get("a").value().expires_at(), *h.now + 1000);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
  *h.now += 1001;
  EXPECT_EQ(h.reg->ExpireSessions(100).value().expired, 1);
}

TEST(Maintenance, AFailedOperationInsideABatchLeavesItsNeighbours) {
  RegistryHarness h;
  ASSERT_TRUE(h.reg->BeginBatch().ok());
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  EXPECT_EQ(h.reg->Register({.id = "b", .name = "a"}).status().code(), Code::kConflict);
  ASSERT_OK(h.reg->LogAppend("a", "k", json::value(1)));
  EXPECT_EQ(h.reg->Resume("a").status().code(), Code::kInvalidState);
  ASSERT_TRUE(h.reg->CommitBatch().ok());
  EXPECT_EQ(h.ChangesAfter(0), (V{"session insert a", "log insert a:1"}));
  SQLite::Database db(h.db);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST(Maintenance, RolledBackBatchLeavesNoRowsAndNoRevGap) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "first"}));
  ASSERT_TRUE(h.reg->BeginBatch().ok());
  ASSERT_OK(h.reg->Register({.name = "rolled-back"}));
  h.reg->RollbackBatch();
  ASSERT_OK(h.reg->Register({.name = "second"}));
  auto feed = h.reg->ReadChanges(0, 100).value();
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].rev, 1);
  EXPECT_EQ(feed[1].rev, 2);
}

}  // namespace
}  // namespace roster

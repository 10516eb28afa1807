// logs_test.cc — per-session logs: append, read ranges, rotate epochs.
#include "test_util.h"

namespace roster {
namespace {

using testing::RegistryHarness;
using V = std::vector<std::string>;

TEST(LogStore, AppendNumbersEntriesPerSessionAndEmitsOneChangeEach) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  ASSERT_OK(h.reg->Register({.id = "b", .name = "b"}));
  int64_t rev = h.Rev();
  auto r1 = h.reg->LogAppend("a", "prompt", json::parse(R"({"prompt":"x"})"));
  auto r2 = h.reg->LogAppend("a", "tool", json::value(1));
  auto r3 = h.reg->LogAppend("b", "tool", json::value(nullptr));
  ASSERT_OK(r1);
  EXPECT_EQ(r1->seq, 1);
  EXPECT_EQ(r1->epoch, 1);
  EXPECT_EQ(r1->rev, rev + 1);
  EXPECT_EQ(r2->seq, 2);
  EXPECT_EQ(r3->seq, 1);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log insert a:1", "log insert a:2", "log insert b:1"}));
}

TEST(LogStore, AppendNamesItsSessionByIdOrNameAndRefusesAnUnknownOne) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "id-1", .name = "worker"}));
  const int64_t rev = h.Rev();
  ASSERT_OK(h.reg->LogAppend("id-1", "k", json::value(1)));
  ASSERT_OK(h.reg->LogAppend("worker", "k", json::value(2)));
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log insert id-1:1", "log insert id-1:2"}));
  EXPECT_EQ(h.reg->LogAppend("nobody", "k", json::value(3)).status().code(), Code::kNotFound);
  EXPECT_EQ(h.ChangesAfter(rev).size(), 2u);
}

TEST(LogStore, ReadReturnsARangeOfTheCurrentEpoch) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "a"}));
  for (int i = 0; i < 10; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  auto r = h.reg->LogRead({.session = "a", .after_seq = 3, .limit = 4});
  ASSERT_OK(r);
  EXPECT_EQ(r->epoch, 1);
  ASSERT_EQ(r->entries.size(), 4u);
  EXPECT_EQ(r->entries[0].seq, 4);
  EXPECT_EQ(r->entries[0].body, json::value(3));
  EXPECT_EQ(r->entries[3].seq, 7);
  EXPECT_EQ(h.reg->LogRead({.session = "a", .limit = 0}).status().code(), Code::kInvalidParams);
  EXPECT_EQ(h.reg->LogRead({.session = "zz"}).status().code(), Code::kNotFound);
}

TEST(LogStore, TailReadsTheNewestEntriesOfTheEpochOldestFirst) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.name = "a"}));
  for (int i = 0; i < 10; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  ASSERT_OK(h.reg->LogRotate("a", "compact", json::value("c")));
  for (int i = 11; i < 14; ++i) ASSERT_OK(h.reg->LogAppend("a", "k", json::value(i)));
  auto seqs = [&](LogReadParams p) {
    std::vector<int64_t> out;
    auto r = h.reg->LogRead(p);
    EXPECT_TRUE(r.ok());
    if (r.ok())
      for (const auto& e : r->entries) out.push_back(e.seq);
    return out;
  };
  using S = std::vector<int64_t>;
  EXPECT_EQ(seqs({.session = "a", .limit = 2, .tail = true}), (S{13, 14}));
  EXPECT_EQ(seqs({.session = "a", .limit = 100, .tail = true}), (S{11, 12, 13, 14}));
  EXPECT_EQ(seqs({.session = "a", .limit = 3, .epoch = 1, .tail = true}), (S{8, 9, 10}));
  EXPECT_EQ(seqs({.session = "a", .after_seq = 12, .limit = 1, .tail = true}), (S{14}));
  EXPECT_EQ(seqs({.session = "a", .limit = 2}), (S{11, 12}));  // without tail: the oldest
}

TEST(LogStore, RotateStartsANewEpochAndOldEpochsStayReadable) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  ASSERT_OK(h.reg->LogAppend("a", "k", json::value("old")));
  int64_t rev = h.Rev();
  auto rot = h.reg->LogRotate("a", "compact", json::parse(R"({"summary":"so far"})"));
  ASSERT_OK(rot);
  EXPECT_EQ(rot->epoch, 2);
  EXPECT_EQ(rot->seq, 2);
  EXPECT_EQ(h.ChangesAfter(rev), V{"log insert a:2"});
  auto next = h.reg->LogAppend("a", "k", json::value("new"));
  EXPECT_EQ(next->epoch, 2);
  EXPECT_EQ(next->seq, 3);
  auto cur = h.reg->LogRead({.session = "a"});
  EXPECT_EQ(cur->epoch, 2);
  ASSERT_EQ(cur->entries.size(), 2u);
  EXPECT_EQ(cur->entries[0].kind, "compact");
  auto old = h.reg->LogRead({.session = "a", .epoch = 1});
  ASSERT_EQ(old->entries.size(), 1u);
  EXPECT_EQ(old->entries[0].body, json::value("old"));
}

TEST(LogStore, AppendRejectsOversizedBodiesAndBadKinds) {
  RegistryHarness h({.max_body_bytes = 100});
  ASSERT_OK(h.reg->Register({.name = "a"}));
  int64_t rev = h.Rev();
  auto big = h.reg->LogAppend("a", "k", json::value(std::string(200, 'x')));
  EXPECT_EQ(big.status().code(), Code::kInvalidParams);
  EXPECT_NE(big.status().message().find("body"), std::string::npos);
  EXPECT_EQ(h.reg->LogAppend("a", "", json::value(1)).status().code(), Code::kInvalidParams);
  EXPECT_EQ(h.ChangesAfter(rev), V{});
}

// A keyed write (log.append with a request_key) is applied once: the key and
// the answer commit with the write, and a retry gets the answer back.
TEST(RequestKeys, AKeyedWriteIsAppliedOnceAndARetryGetsItsAnswer) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  int runs = 0;
  auto append = [&]() -> Result<std::string> {
    ++runs;
    auto r = h.reg->LogAppend("a", "k", json::value("once"));
    if (!r.ok()) return r.status();
    return "seq " + std::to_string(r->seq);
  };
  const int64_t rev = h.Rev();
  EXPECT_EQ(h.reg->ApplyOnce("key-1", "fp", append).value(), "seq 1");
  EXPECT_EQ(h.reg->ApplyOnce("key-1", "fp", append).value(), "seq 1");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(h.ChangesAfter(rev), (V{"log insert a:1"}));  // the key is not in the feed
  // The same key for another request is refused, and applies nothing.
  auto other = h.reg->ApplyOnce("key-1", "another fp", append);
  EXPECT_EQ(other.status().code(), Code::kConflict);
  EXPECT_NE(other.status().message().find("request_key 'key-1'"), std::string::npos);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(h.reg->ApplyOnce("", "fp", append).status().code(), Code::kInvalidParams);
  EXPECT_EQ(h.reg->ApplyOnce(std::string(129, 'k'), "fp", append).status().code(),
            Code::kInvalidParams);
  EXPECT_EQ(h.reg->ApplyOnce("key-2", "fp", append).value(), "seq 2");
}

TEST(RequestKeys, AWriteThatFailedOrWasRolledBackLeavesNoKey) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  auto fails = [] { return Result<std::string>(Status::NotFound("no")); };
  EXPECT_EQ(h.reg->ApplyOnce("k", "fp", fails).status().code(), Code::kNotFound);
  auto append = [&]() -> Result<std::string> {
    auto r = h.reg->LogAppend("a", "k", json::value(1));
    if (!r.ok()) return r.status();
    return std::to_string(r->seq);
  };
  // In a batch that rolls back (its commit failed), the key goes with it.
  ASSERT_OK(h.reg->BeginBatch());
  EXPECT_EQ(h.reg->ApplyOnce("k", "fp", append).value(), "1");
  h.reg->RollbackBatch();
  EXPECT_EQ(h.reg->ApplyOnce("k", "fp", append).value(), "1");  // applied now, for real
  EXPECT_EQ(h.reg->LogRead({.session = "a"}).value().entries.size(), 1u);
}

TEST(RequestKeys, KeysAreForgottenAfterTheirRetentionOrBeyondMaxRows) {
  RegistryHarness h;
  ASSERT_OK(h.reg->Register({.id = "a", .name = "a"}));
  auto answer = [] { return Result<std::string>(std::string("done")); };
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(h.reg->ApplyOnce("k" + std::to_string(i), "fp", answer));
    *h.now += 1000;
  }
  // Kept 3.5 s: k0 and k1 (applied 5 s and 4 s ago) go.
  EXPECT_EQ(h.reg->TrimRequestKeys(3'500, 100, 100).value(), 2);
  // At most 2: k2 goes too (the oldest), in batches of 1.
  EXPECT_EQ(h.reg->TrimRequestKeys(3'600'000, 2, 1).value(), 1);
  EXPECT_EQ(h.reg->TrimRequestKeys(3'600'000, 2, 1).value(), 0);
  int runs = 0;
  auto counted = [&] {
    ++runs;
    return Result<std::string>(std::string("again"));
  };
  EXPECT_EQ(h.reg->ApplyOnce("k2", "fp", counted).value(), "again");  // forgotten: applied
  EXPECT_EQ(h.reg->ApplyOnce("k4", "fp", counted).value(), "done");   // kept
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace roster

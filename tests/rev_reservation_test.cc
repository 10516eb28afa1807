// rev_reservation_test.cc — the rev high-water mark under sync normal: it is
// raised ahead of the revs handed out, flushed off the writer while enough of
// the old durable reservation is left, and flushed by the writer itself
// before a batch whose revs pass every durable reservation is published.
#include "daemon/rev_reservation.h"

#include <functional>
#include <vector>

#include "test_util.h"

namespace roster {
namespace {

using daemon::RevReservation;
constexpr int64_t kChunk = RevReservation::kChunk;

// One batch: BEGIN, the reservation's hook at `last_rev`, COMMIT, its
// after-hook. Returns what the batch would have published under.
int64_t Batch(RevReservation& r, store::Registry& reg, int64_t last_rev) {
  EXPECT_TRUE(reg.BeginBatch().ok());
  EXPECT_TRUE(r.BeforeCommit(reg, last_rev).ok());
  EXPECT_TRUE(reg.CommitBatch().ok());
  r.AfterCommit(reg, true);
  return r.durable();
}

int64_t Reserved(store::Registry& reg) { return reg.ReadIdentity().value().reserved; }

TEST(RevReservation, RaisedEarlyAndFlushedOffTheWriterWhileTheOldOneCovers) {
  testing::RegistryHarness h;
  std::vector<std::function<void(store::Registry&)>> flushes;  // run when the test says
  RevReservation r(kChunk, /*sync_normal=*/true,
                   [&](std::function<void(store::Registry&)> f) { flushes.push_back(f); });
  // Over half a chunk left: nothing to do.
  EXPECT_EQ(Batch(r, *h.reg, 10), kChunk);
  EXPECT_TRUE(flushes.empty());
  // Under half a chunk left: raised in the batch, flushed elsewhere; the
  // batch itself is covered by the old durable reservation.
  const int64_t last = kChunk / 2 + 1;
  EXPECT_EQ(Batch(r, *h.reg, last), kChunk);
  EXPECT_EQ(Reserved(*h.reg), last + kChunk);
  ASSERT_EQ(flushes.size(), 1u);
  flushes[0](*h.reg);
  EXPECT_EQ(r.durable(), last + kChunk);
}

TEST(RevReservation, ABatchPastEveryDurableReservationFlushesBeforeItIsPublished) {
  testing::RegistryHarness h;
  std::vector<std::function<void(store::Registry&)>> flushes;  // never run: a slow disk
  RevReservation r(kChunk, /*sync_normal=*/true,
                   [&](std::function<void(store::Registry&)> f) { flushes.push_back(f); });
  EXPECT_EQ(Batch(r, *h.reg, kChunk - 5), kChunk);  // raised, its flush still pending
  // The next batch's revs pass the durable reservation: the writer flushes
  // after COMMIT, so what it publishes is covered.
  EXPECT_EQ(Batch(r, *h.reg, kChunk + 3), kChunk - 5 + kChunk);
  // A batch bigger than the whole reservation raises and flushes at once.
  const int64_t huge = 10 * kChunk;
  EXPECT_EQ(Batch(r, *h.reg, huge), huge + kChunk);
  EXPECT_EQ(Reserved(*h.reg), huge + kChunk);
  // A late flush never lowers what is durable.
  for (auto& f : flushes) f(*h.reg);
  EXPECT_EQ(r.durable(), huge + kChunk);
}

TEST(RevReservation, AFailedBatchRaisesNothing) {
  testing::RegistryHarness h;
  RevReservation r(kChunk, /*sync_normal=*/true, [](auto) {});
  ASSERT_TRUE(h.reg->BeginBatch().ok());
  ASSERT_TRUE(r.BeforeCommit(*h.reg, 2 * kChunk).ok());
  h.reg->RollbackBatch();
  r.AfterCommit(*h.reg, false);
  EXPECT_EQ(r.durable(), kChunk);
  EXPECT_EQ(Batch(r, *h.reg, 10), kChunk);
}

TEST(RevReservation, WithSyncFullEveryRaiseIsDurableAtItsCommit) {
  testing::RegistryHarness h;
  int elsewhere = 0;
  RevReservation r(kChunk, /*sync_normal=*/false, [&](auto) { ++elsewhere; });
  EXPECT_EQ(Batch(r, *h.reg, kChunk), 2 * kChunk);
  EXPECT_EQ(elsewhere, 0);
}

}  // namespace
}  // namespace roster

// dqlite_cluster_test.cc — the dqlite client on a three-node loopback cluster:
// joining, finding the leader from any node, reconnecting after the leader
// stops or hands over, and quick answers when no quorum is left.
#include <gtest/gtest.h>

#include <chrono>

#include "dqlite_fixture.h"

namespace roster::testing {
namespace {

using namespace std::chrono_literals;
using dq::ErrorKind;
using dq::Value;

int64_t Count(dq::Client& client, const std::string& table) {
  auto rows = client.QuerySql("SELECT count(*) FROM " + table);
  EXPECT_TRUE(rows.ok()) << rows.error().ToString();
  return rows.ok() ? (*rows)[0].GetInt64(0) : -1;
}

TEST(DqliteCluster, ThreeVotersAndAnyNodeLeadsTheClientToTheLeader) {
  DqliteCluster cluster(3);
  dq::ClientOptions o = cluster.Options();
  o.nodes = {cluster.address(3), cluster.address(2)};  // followers only
  dq::Client client(o);
  ASSERT_TRUE(client.Connect().ok());
  EXPECT_EQ(client.leader_address(), cluster.address(1));
  EXPECT_EQ(client.leader_id(), 1u);
  EXPECT_EQ(client.nodes().size(), 3u);  // the leader's address was learnt
  auto nodes = client.Cluster();
  ASSERT_TRUE(nodes.ok()) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 3u);
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_EQ((*nodes)[id - 1].id, id);
    EXPECT_EQ((*nodes)[id - 1].address, cluster.address(id));
    EXPECT_EQ((*nodes)[id - 1].role, dq::Role::kVoter);
  }
  ASSERT_TRUE(client.Remove(3).ok());
  nodes = client.Cluster();
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 2u);
}

TEST(DqliteCluster, WhenTheLeaderStopsTheClientReconnectsToTheNewOneWithNothingLost) {
  DqliteCluster cluster(3);
  auto client = cluster.Connect();
  ASSERT_EQ(client->leader_id(), 1u);
  ASSERT_TRUE(client->ExecSql("CREATE TABLE f (i INTEGER PRIMARY KEY)").ok());
  auto insert = client->Prepare("INSERT INTO f VALUES (?)");
  ASSERT_TRUE(insert.ok());
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(client->Exec(*insert, {Value::Int(i)}).ok());

  cluster.Stop(1);
  auto lost = client->Exec(*insert, {Value::Int(101)});
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.error().connection_dropped()) << lost.error().ToString();
  EXPECT_EQ(lost.error().status().code(), Code::kUnavailable);
  EXPECT_FALSE(client->connected());

  auto start = std::chrono::steady_clock::now();
  auto c = client->Connect();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  RecordProperty("reconnect_ms", static_cast<int>(outage.count()));
  EXPECT_NE(client->leader_id(), 1u);
  ASSERT_TRUE(client->Exec(*insert, {Value::Int(102)}).ok());  // re-prepared on the new leader
  EXPECT_EQ(Count(*client, "f"), 101);  // 100 + 102; 101 never reached a node

  // The old leader comes back as a follower and catches up.
  cluster.Restart(1);
  ASSERT_TRUE(client->Exec(*insert, {Value::Int(103)}).ok());
  // Raft hands over only to a node that has caught up; until then the
  // node answers "leadership transfer failed" and stays leader.
  dq::Outcome transfer = client->Transfer(1);
  for (int i = 0; i < 50 && !transfer.ok(); ++i) {
    EXPECT_EQ(transfer.error().kind(), ErrorKind::kSql) << transfer.error().ToString();
    std::this_thread::sleep_for(100ms);
    transfer = client->Transfer(1);
  }
  ASSERT_TRUE(transfer.ok()) << transfer.error().ToString();
  // The old leader's connection now refuses: not the leader, nothing applied.
  auto moved = client->Exec(*insert, {Value::Int(104)});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().kind(), ErrorKind::kNotLeader) << moved.error().ToString();
  EXPECT_FALSE(moved.error().outcome_unknown());
  ASSERT_TRUE(client->Connect().ok());
  EXPECT_EQ(client->leader_id(), 1u);
  ASSERT_TRUE(client->Exec(*insert, {Value::Int(104)}).ok());
  EXPECT_EQ(Count(*client, "f"), 103);
}

TEST(DqliteCluster, WithoutAQuorumCallsFailWithinTheirDeadline) {
  DqliteCluster cluster(3);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE q (x)").ok());
  cluster.Stop(2);
  cluster.Stop(3);
  auto start = std::chrono::steady_clock::now();
  auto r = client->ExecSql("INSERT INTO q VALUES (1)", {}, start + 3s);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  // The leader steps down (leadership lost: the write may or may not be
  // there once a quorum is back) or the deadline passes first.
  EXPECT_TRUE(r.error().kind() == ErrorKind::kLeadershipLost ||
              r.error().kind() == ErrorKind::kTimeout)
      << r.error().ToString();
  EXPECT_TRUE(r.error().outcome_unknown());
  start = std::chrono::steady_clock::now();
  auto c = client->Connect(start + 1s);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind(), ErrorKind::kNoLeader);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace roster::testing

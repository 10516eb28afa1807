// membership.cc — the Registry's cluster membership calls (registry.h): the
// Raft configuration of the dqlite cluster a Registry's node belongs to,
// read and changed through the wire client (CLUSTER, ADD, ASSIGN, REMOVE,
// TRANSFER).
#include <chrono>

#include "store/dqlite/client.h"
#include "store/dqlite_database.h"
#include "store/registry.h"

namespace roster::store {

namespace dq = dqlite;
using namespace std::chrono_literals;

namespace {

// Raft may take a while to catch a new voter up; the cluster's other calls
// are quick.
constexpr auto kCallTimeout = 5s;
constexpr auto kAssignTimeout = 30s;

// A membership connection to the leader, found from the node `db` uses.
Result<std::unique_ptr<dq::Client>> Membership(DqliteDatabase& db) {
  dq::ClientOptions o;
  o.nodes = db.client().nodes();
  o.call_timeout = kCallTimeout;
  o.connect_timeout = kCallTimeout;
  auto client = std::make_unique<dq::Client>(std::move(o));
  if (auto c = client->Connect(); !c.ok()) {
    return Status::Unavailable("the cluster has no leader to change its membership: " +
                               c.error().status().message());
  }
  return client;
}

Status Failed(const std::string& what, const dq::Error& e) {
  return Status(e.status().code(), what + ": " + e.status().message());
}

}  // namespace

// The DqliteDatabase behind a Registry, or the file engine's refusal.
static Result<DqliteDatabase*> ClusterDatabase(Database& db) {
  auto* dqlite = dynamic_cast<DqliteDatabase*>(&db);
  if (!dqlite) {
    return Status::InvalidState(
        "this rosterd runs the file engine, which is not a cluster (start it with --engine "
        "dqlite to have one)");
  }
  return dqlite;
}

Result<std::vector<Registry::ClusterMember>> Registry::ClusterMembers() {
  auto db = ClusterDatabase(*conn_);
  if (!db.ok()) return db.status();
  auto client = Membership(**db);
  if (!client.ok()) return client.status();
  auto nodes = (*client)->Cluster();
  if (!nodes.ok()) return Failed("reading the cluster's members", nodes.error());
  std::vector<ClusterMember> out;
  for (const auto& n : *nodes) {
    ClusterMember m{n.id, n.address, dq::RoleName(n.role), n.id == (*client)->leader_id(), true};
    if (!m.leader) {
      m.reachable = dq::Conn::Dial(n.address, {}, dq::Clock::now() + 300ms).ok();
    }
    out.push_back(std::move(m));
  }
  return out;
}

Status Registry::ClusterJoin(uint64_t id, const std::string& address) {
  auto db = ClusterDatabase(*conn_);
  if (!db.ok()) return db.status();
  if (id <= 1) {
    return Status::InvalidParams(
        "params.id must be a joining node's id (2 or more; 1 is the "
        "node that bootstrapped the cluster)");
  }
  auto client = Membership(**db);
  if (!client.ok()) return client.status();
  auto nodes = (*client)->Cluster();
  if (!nodes.ok()) return Failed("reading the cluster's members", nodes.error());
  bool present = false;
  for (const auto& n : *nodes) {
    if (n.id == id && n.address != address) {
      return Status::Conflict("node " + std::to_string(id) + " is already a member at " +
                              n.address + ", not " + address);
    }
    if (n.id != id && n.address == address) {
      return Status::Conflict(address + " is already node " + std::to_string(n.id) +
                              "'s address; remove that member first (cluster.leave)");
    }
    if (n.id == id && n.role == dq::Role::kVoter) return Status::Ok();  // joined before
    present = present || n.id == id;
  }
  if (!present) {
    if (auto a = (*client)->Add(id, address); !a.ok()) {
      return Failed("adding node " + std::to_string(id) + " at " + address, a.error());
    }
  }
  if (auto a = (*client)->Assign(id, dq::Role::kVoter, dq::Clock::now() + kAssignTimeout);
      !a.ok()) {
    return Failed("making node " + std::to_string(id) + " at " + address + " a voter", a.error());
  }
  return Status::Ok();
}

Result<uint64_t> Registry::ClusterLeave(std::optional<uint64_t> id) {
  auto db = ClusterDatabase(*conn_);
  if (!db.ok()) return db.status();
  auto client = Membership(**db);
  if (!client.ok()) return client.status();
  const uint64_t target = id.value_or((*db)->client().leader_id());
  auto nodes = (*client)->Cluster();
  if (!nodes.ok()) return Failed("reading the cluster's members", nodes.error());
  const dq::NodeInfo* leaving = nullptr;
  const dq::NodeInfo* heir = nullptr;
  for (const auto& n : *nodes) {
    if (n.id == target)
      leaving = &n;
    else if (n.role == dq::Role::kVoter && !heir)
      heir = &n;
  }
  if (!leaving) return Status::NotFound("no member has the id " + std::to_string(target));
  if (!heir) {
    return Status::InvalidState("node " + std::to_string(target) +
                                " is the cluster's only voter: it cannot leave it");
  }
  if (target == (*client)->leader_id()) {
    // The leader cannot remove itself: it hands leadership over first, and
    // the new leader removes it.
    if (auto t = (*client)->Transfer(heir->id); !t.ok()) {
      return Failed("handing leadership to node " + std::to_string(heir->id), t.error());
    }
    if (auto c = (*client)->Connect(); !c.ok()) {
      return Failed("finding the new leader after the hand-over", c.error());
    }
  }
  if (auto r = (*client)->Remove(target); !r.ok()) {
    return Failed("removing node " + std::to_string(target), r.error());
  }
  return target;
}

}  // namespace roster::store

// member.h — rosterd on the dqlite engine: a cluster member (a cluster of
// one is a member that always leads: one code path).
//
// A member owns what outlives its roles: DATA/rosterd.lock (one rosterd per
// data directory), its identity (DATA/member.json, cluster/member_record.h),
// its dqlite node (Raft and the wire protocol on --cluster, timing from
// raft_latency_ms), the main io_context and the signals. Its role watcher
// (cluster/role.h) asks the node who leads every role_poll_ms; while the
// node leads, the member runs the core (cluster/core.h: today's daemon) and
// is the primary; when the node stops leading, the core is stopped, and the
// member whose node leads next starts its own.
//
// Start: the checks every rosterd makes before creating anything
// (daemon::PrepareToServe), the lock, the security (cluster/security.h), the
// identity, the node; with --join on a first start the member asks the
// cluster to take its node before it serves (Join, below); then its door
// (cluster/door.h, on the port after the node's: other members reach the
// core through it) and the watcher. Ready (systemd's READY=1) once the
// public socket serves.
//
// Join: ask the node at --join whom it thinks leads (a wire client's
// Connect, which follows the answer), then call `cluster.join {id,address}`
// through the leader's door (PeerClient: the cluster secret, TLS if set);
// the primary's core ADDs the node and ASSIGNs it voter (Raft catches it up
// first). A leader that moved meanwhile refuses at its door (not_primary):
// asked again, for up to kJoinPatience. Until the cluster confirmed it the
// record says "joining" with the id, so a start after a failure asks again
// for the same node; a refusal (wrong secret, an address already taken) is
// a sentence and exit status 1.
//
// Leaving: a member that finds its node no longer in the cluster's
// configuration (cluster.leave removed it) stops serving with a sentence
// and marks its record "left"; that data directory never serves again.
//
// Stop (SIGTERM/SIGINT): the watcher, then the core (its last writes go
// through the node, so before it), then — when this node leads and another
// voter is there — leadership is handed over (TRANSFER) so that the others
// need not wait for an election, then the node, then the lock.
//
// The public socket is served by the front (cluster/front.h) on every
// member, primary or not: each client connection is relayed to the core of
// the primary — this member's own on DATA/core.sock while it leads, else
// the leader's door — so clients never know which member serves them, and
// their watches resume when the primary changes. cluster.status is
// answered by the front itself (this member's view). The host agent
// (cluster/host_agent.h) does this machine's duties as a client of the
// public socket; the core, started with registry.host_agent, does none.
//
// Thread-safety: RunMember on the main thread; the watcher's callbacks run
// on its thread and touch the core only there.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "cluster/core.h"
#include "cluster/door.h"
#include "cluster/front.h"
#include "cluster/host_agent.h"
#include "cluster/member_record.h"
#include "cluster/role.h"
#include "cluster/security.h"
#include "daemon/config.h"
#include "store/dqlite/node.h"
#include "util/lockfile.h"
#include "util/status.h"

namespace roster::cluster {

// Runs rosterd as a cluster member until SIGTERM/SIGINT; the process exit
// code (0 after a clean stop; 1 when it cannot serve).
int RunMember(const daemon::DaemonConfig& config);

class Member {
 public:
  // Takes the lock, resolves the identity, starts the node (and joins on a
  // first start with --join). `listen_fd`: systemd's socket, or -1.
  static Result<std::unique_ptr<Member>> Open(const daemon::DaemonConfig& config, int listen_fd);
  ~Member();
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  // Serves until SIGTERM/SIGINT, then stops as the header says. Returns the
  // process exit code.
  int Run();

  const MemberRecord& record() const { return record_; }

  // cluster.status: this member's view — {id, address, door, role
  // (primary|relay), leader_id, leader_address, members: [{id, address,
  // role, leader}] as the leader has them (null when no leader answers)}.
  // Any thread; asks the leader (bounded to ~0.5 s).
  Result<std::string> StatusJson();

 private:
  Member(const daemon::DaemonConfig& config, int listen_fd);
  Status Start();
  Status Join();
  // Whether this member's node is still in the cluster's configuration, as
  // its own node sees it (nullopt: no answer).
  std::optional<bool> StillMember();
  void Leave();
  // The watcher's verdict, on its thread: start or stop the core.
  void OnRole(const RoleView& view);
  // Hands leadership to another voter, if this node leads and one is there.
  void HandOver();
  void NotifyReadyOnce(const std::string& what);
  // Where the front's relays find the primary's core (io thread; reads the
  // watcher's last view and the core's state).
  Primary Locate() const;
  // Wakes the front's relays (from any thread).
  void PrimaryMoved();

  const daemon::DaemonConfig config_;
  // The front's: one connection more than max_connections, the member's
  // own host agent's, so clients get every one the setting promises.
  daemon::DaemonConfig front_config_;
  const int listen_fd_;
  LockFile lock_;
  Security security_;
  MemberRecord record_;
  std::unique_ptr<store::dqlite::Node> node_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<RoleWatcher> watcher_;
  boost::asio::io_context io_{1};
  boost::asio::signal_set signals_;
  const std::string core_socket_;  // DATA/core.sock
  std::unique_ptr<Door> door_;     // io thread
  std::unique_ptr<Front> front_;   // io thread
  std::unique_ptr<HostAgent> agent_;
  // cluster.status answers off the io thread (they ask the node). Last: it
  // is joined first, before anything it uses is destroyed.
  boost::asio::thread_pool status_pool_{1};

  // ---- the watcher's thread ----
  std::chrono::steady_clock::time_point core_started_{};
  uint64_t last_leader_id_ = 0;
  bool last_leading_ = false;
  int polls_ = 0;
  std::atomic<bool> left_{false};
  std::atomic<bool> ready_{false};
};

}  // namespace roster::cluster

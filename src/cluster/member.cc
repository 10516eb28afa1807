// member.cc — a cluster member's start, roles and stop (see member.h).
#include "cluster/member.h"

#include <signal.h>

#include "cluster/door_address.h"
#include "cluster/peer.h"
#include "daemon/daemon.h"
#include "daemon/host_beat.h"
#include "daemon/host_id.h"
#include "daemon/systemd.h"
#include "store/dqlite/client.h"
#include "store/dqlite_engine.h"
#include "util/log.h"

namespace roster::cluster {

namespace asio = boost::asio;
namespace dq = store::dqlite;
using namespace std::chrono_literals;

namespace {

// After a core start that failed (its node stopped leading while it opened),
// the next try waits this long.
constexpr auto kCoreRetry = 500ms;
// How long a join keeps asking while the cluster has no primary to take it.
constexpr auto kJoinPatience = 20s;
// Connections the core keeps for the members' host agents (one each) on top
// of max_connections: room for this many members.
constexpr int64_t kAgentConnections = 16;
// The role watcher checks the node is still a member every this many polls.
constexpr int kMembershipEvery = 10;

}  // namespace

Member::Member(const daemon::DaemonConfig& config, int listen_fd)
    : config_(config),
      listen_fd_(listen_fd),
      signals_(io_, SIGINT, SIGTERM),
      core_socket_(config.data_dir + "/core.sock") {}

Member::~Member() {
  status_pool_.join();  // no cluster.status answer runs past here
  if (watcher_) watcher_->Stop();
  if (core_) core_->Stop();
  if (node_) {
    if (Status s = node_->Stop(); !s.ok()) LogWarn(s.message());
  }
}

Result<std::unique_ptr<Member>> Member::Open(const daemon::DaemonConfig& config, int listen_fd) {
  std::unique_ptr<Member> m(new Member(config, listen_fd));
  ROSTER_RETURN_IF_ERROR(m->Start());
  return m;
}

Status Member::Start() {
  if (core_socket_.size() > 107) {  // what sockaddr_un holds
    return Status::InvalidParams("the data directory " + config_.data_dir +
                                 " is too long for the core's socket in it (" + core_socket_ +
                                 ": at most 107 bytes); choose a shorter --data");
  }
  auto security = Security::Load(config_);
  if (!security.ok()) return security.status();
  security_ = std::move(security).value();
  ROSTER_RETURN_IF_ERROR(lock_.Acquire(store::DqliteLockPath(config_.data_dir)));
  std::string note;
  auto identity = ResolveIdentity(config_.data_dir, config_.cluster, config_.join, &note);
  if (!identity.ok()) return identity.status();
  record_ = std::move(identity).value();
  if (!note.empty()) LogWarn(note);
  dq::NodeOptions node;
  node.id = record_.id;
  node.address = record_.address;
  node.data_dir = store::DqliteNodeDir(config_.data_dir);
  node.network_latency_ms = static_cast<unsigned>(config_.raft_latency_ms);
  auto started = dq::Node::Start(node);
  if (!started.ok()) return started.status();
  node_ = std::move(started).value();
  LogInfo("cluster member: node " + std::to_string(record_.id) + " at " + record_.address +
          " (data " + config_.data_dir + ")");
  if (record_.state == MemberRecord::State::kJoining) ROSTER_RETURN_IF_ERROR(Join());
  daemon::DaemonConfig core = config_;
  core.node_id = record_.id;
  core.socket_path = core_socket_;  // the front serves the public socket
  core.registry.host_agent = true;  // every member's agent does its host's duties
  // The core serves the members' relays: every member's clients (which
  // their fronts count against max_connections) and its host agent, one per
  // member, which the setting does not count.
  core.limits.max_connections += kAgentConnections;
  core_ = std::make_unique<Core>(
      std::move(core), /*listen_fd=*/-1, [this] { PrimaryMoved(); },
      [this] { return StatusJson(); });
  watcher_ = std::make_unique<RoleWatcher>(record_.address, record_.id,
                                           std::chrono::milliseconds(config_.role_poll_ms),
                                           [this](const RoleView& v) { OnRole(v); });
  return Status::Ok();
}

Status Member::Join() {
  const std::string through = record_.join;
  if (through.empty()) {
    return Status::InvalidState("the member at " + record_.address + " (node " +
                                std::to_string(record_.id) +
                                ") has not finished joining its cluster: start it again with "
                                "--join and a member's address");
  }
  if (!security_.has_secret()) {
    return Status::InvalidParams(
        "--join needs the cluster's secret (--secret-file, or "
        "cluster_secret_file): a cluster takes only members that know it");
  }
  LogInfo("joining the cluster through " + through + " as node " + std::to_string(record_.id));
  const auto give_up = std::chrono::steady_clock::now() + kJoinPatience;
  Status last;
  while (std::chrono::steady_clock::now() < give_up) {
    dq::ClientOptions o;
    o.nodes = {through};
    o.connect_timeout = 5s;
    dq::Client client(o);
    if (auto c = client.Connect(); !c.ok()) {
      return Status::Unavailable("cannot join the cluster through " + through + ": " +
                                 c.error().status().message());
    }
    auto door = DoorAddress(client.leader_address());
    if (!door.ok()) return door.status();
    auto peer = PeerClient::Connect(*door, security_, 30s);
    Result<boost::json::value> joined =
        peer.ok()
            ? (*peer)->Call("cluster.join", {{"id", record_.id}, {"address", record_.address}})
            : Result<boost::json::value>(peer.status());
    if (joined.ok()) {
      record_.state = MemberRecord::State::kMember;
      ROSTER_RETURN_IF_ERROR(WriteMemberRecord(config_.data_dir, record_));
      LogInfo("joined the cluster as node " + std::to_string(record_.id) + " (a voter), through " +
              *door);
      return Status::Ok();
    }
    last = joined.status();
    if (last.code() != Code::kUnavailable) break;  // refused: asking again changes nothing
    std::this_thread::sleep_for(200ms);            // the primary moved, or is starting
  }
  return Status(last.code(),
                "could not join the cluster through " + through + ": " + last.message() +
                    " (nothing changed; start it again to retry with the same node id)");
}

std::optional<bool> Member::StillMember() {
  // The leader's configuration decides: a removed node is not told it was
  // removed (Raft stops replicating to it), so its own may still list it.
  // Its own gives the addresses to find the leader through.
  auto dialed = dq::Conn::Dial(record_.address, {}, dq::Clock::now() + 500ms);
  if (!dialed.ok()) return std::nullopt;
  auto known = dq::AskCluster(**dialed, dq::Clock::now() + 500ms);
  if (!known.ok() || known->empty()) return std::nullopt;
  dq::ClientOptions o;
  for (const auto& n : *known) o.nodes.push_back(n.address);
  o.connect_timeout = 500ms;
  o.call_timeout = 500ms;
  dq::Client client(o);
  if (!client.Connect().ok()) return std::nullopt;
  auto nodes = client.Cluster();
  if (!nodes.ok() || nodes->empty()) return std::nullopt;
  for (const auto& n : *nodes) {
    if (n.id == record_.id) return true;
  }
  return false;
}

void Member::Leave() {
  LogWarn("this member (node " + std::to_string(record_.id) + " at " + record_.address +
          ") was removed from its cluster (cluster.leave): it stops serving, and " +
          MemberRecordPath(config_.data_dir) + " marks it as left");
  record_.state = MemberRecord::State::kLeft;
  if (Status s = WriteMemberRecord(config_.data_dir, record_); !s.ok()) LogError(s.message());
  left_ = true;
  asio::post(io_, [this] { signals_.cancel(); });
}

Result<std::string> Member::StatusJson() {
  namespace json = boost::json;
  const RoleView v = watcher_->view();
  auto door = DoorAddress(record_.address);
  json::object o{{"id", record_.id},
                 {"address", record_.address},
                 {"door", door.ok() ? *door : ""},
                 {"role", core_->serving() ? "primary" : "relay"},
                 {"host", config_.registry.host},
                 {"leader_id", v.leader_id},
                 {"leader_address", v.leader_address},
                 {"members", nullptr}};
  dq::ClientOptions co;
  co.nodes = {record_.address};
  co.connect_timeout = 500ms;
  co.call_timeout = 500ms;
  dq::Client client(co);
  if (client.Connect().ok()) {
    if (auto nodes = client.Cluster(); nodes.ok()) {
      json::array members;
      for (const auto& n : *nodes) {
        members.push_back(json::object{{"id", n.id},
                                       {"address", n.address},
                                       {"role", dq::RoleName(n.role)},
                                       {"leader", n.id == client.leader_id()}});
      }
      o["members"] = std::move(members);
    }
  }
  return json::serialize(o);
}

void Member::NotifyReadyOnce(const std::string& what) {
  if (ready_.exchange(true)) return;
  LogInfo("rosterd " ROSTER_VERSION " ready: member " + std::to_string(record_.id) + ", " + what);
  daemon::systemd::NotifyReady(what);
}

void Member::OnRole(const RoleView& view) {
  if (left_) return;
  if (++polls_ % kMembershipEvery == 0) {
    if (StillMember() == std::optional<bool>(false)) {
      if (core_->running()) core_->Stop();
      return Leave();
    }
  }
  if (view.leader_id != last_leader_id_ || view.leader != last_leading_) PrimaryMoved();
  last_leading_ = view.leader;
  if (view.leader_id != last_leader_id_) {
    if (view.leader_id == 0) {
      LogInfo("cluster: no leader known (an election may be running)");
    } else {
      LogInfo("cluster: the leader is node " + std::to_string(view.leader_id) + " at " +
              view.leader_address + (view.leader ? " (this member: the primary)" : ""));
    }
    last_leader_id_ = view.leader_id;
  }
  if (view.leader) {
    const auto now = std::chrono::steady_clock::now();
    if (!core_->running() && now - core_started_ >= kCoreRetry) {
      core_started_ = now;
      core_->Start();
    }
    return;
  }
  if (core_->running()) {
    LogInfo("this member's node no longer leads: stopping the core");
    core_->Stop();
  }
}

Primary Member::Locate() const {
  const RoleView v = watcher_->view();
  if (v.leader && core_->serving()) return Primary::Local(core_socket_);
  if (v.leader_id != 0 && !v.leader) {
    if (auto door = DoorAddress(v.leader_address); door.ok()) return Primary::Remote(*door);
  }
  return Primary::None();
}

void Member::PrimaryMoved() {
  asio::post(io_, [this] {
    if (front_) front_->PrimaryChanged();
  });
}

void Member::HandOver() {
  if (!watcher_->view().leader) return;  // (the watcher's last view) not this node's to hand
  dq::ClientOptions o;
  o.nodes = {record_.address};
  o.follow_leader = false;
  o.connect_timeout = 500ms;
  o.call_timeout = 2s;
  dq::Client client(o);
  if (!client.Connect().ok()) return;  // this node does not lead
  auto nodes = client.Cluster();
  if (!nodes.ok()) return;
  for (const auto& n : *nodes) {
    if (n.id == record_.id || n.role != dq::Role::kVoter) continue;
    if (auto t = client.Transfer(n.id); t.ok()) {
      LogInfo("leadership handed to node " + std::to_string(n.id) + " at " + n.address);
      return;
    }
  }
}

int Member::Run() {
  door_ = std::make_unique<Door>(io_, config_, security_, [this]() -> std::optional<std::string> {
    if (core_->serving()) return core_socket_;
    return std::nullopt;
  });
  if (Status s = door_->Start(); !s.ok()) {
    LogError(s.message());
    return 1;
  }
  front_config_ = config_;
  front_config_.limits.max_connections += 1;
  front_ = std::make_unique<Front>(io_, front_config_, security_, [this] { return Locate(); });
  front_->set_local_status([this](std::function<void(Result<std::string>)> reply) {
    asio::post(status_pool_, [this, reply = std::move(reply)] { reply(StatusJson()); });
  });
  if (Status s = listen_fd_ >= 0 ? front_->Adopt(listen_fd_) : front_->Listen(); !s.ok()) {
    LogError(s.message());
    return 1;
  }
  signals_.async_wait([this](boost::system::error_code e, int signo) {
    if (!e) LogInfo("signal " + std::to_string(signo) + ": shutting down");
    daemon::systemd::NotifyStopping();
    door_->Stop();
    front_->Stop();
  });
  watcher_->Start();
  agent_ = std::make_unique<HostAgent>(
      HostAgentOptions{.socket = config_.socket_path,
                       .host = config_.registry.host,
                       .hostname = daemon::MachineHostname(),
                       .probe_interval = std::chrono::milliseconds(config_.cleanup_interval_ms),
                       .branch_interval = std::chrono::milliseconds(config_.branch_interval_ms),
                       .beat_interval = daemon::HostBeat::Period(config_.registry.host_timeout_ms),
                       .part = config_.cleanup_batch,
                       .compose_marker = config_.registry.compose_marker});
  agent_->Start();
  asio::post(io_, [this] { NotifyReadyOnce("serving " + config_.socket_path); });
  io_.run();  // until the signal's handler ran, or the member left
  agent_->Stop();
  watcher_->Stop();
  core_->Stop();
  HandOver();
  if (Status s = node_->Stop(); !s.ok()) LogWarn(s.message());
  node_.reset();
  lock_.Release();
  return 0;
}

int RunMember(const daemon::DaemonConfig& config) {
  auto listen_fd = daemon::PrepareToServe(config, config.data_dir);
  if (!listen_fd.ok()) {
    LogError(listen_fd.status().message());
    return 1;
  }
  int rc = 0;
  {
    auto member = Member::Open(config, *listen_fd);
    if (!member.ok()) {
      LogError(member.status().message());
      return 1;
    }
    rc = (*member)->Run();
  }
  if (rc == 0) LogInfo("rosterd stopped cleanly");
  return rc;
}

}  // namespace roster::cluster

// member.cc — a cluster member's start, roles and stop (see member.h).
#include "cluster/member.h"

#include <signal.h>

#include "daemon/daemon.h"
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

}  // namespace

Member::Member(const daemon::DaemonConfig& config, int listen_fd)
    : config_(config), listen_fd_(listen_fd), signals_(io_, SIGINT, SIGTERM) {}

Member::~Member() {
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
  ROSTER_RETURN_IF_ERROR(lock_.Acquire(store::DqliteLockPath(config_.data_dir)));
  std::string note;
  auto identity = ResolveIdentity(config_.data_dir, config_.cluster, &note);
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
  daemon::DaemonConfig core = config_;
  core.node_id = record_.id;
  core_ = std::make_unique<Core>(std::move(core), listen_fd_, [this] {
    NotifyReadyOnce("serving " + config_.socket_path + " as the primary");
  });
  watcher_ = std::make_unique<RoleWatcher>(record_.address, record_.id,
                                           std::chrono::milliseconds(config_.role_poll_ms),
                                           [this](const RoleView& v) { OnRole(v); });
  return Status::Ok();
}

void Member::NotifyReadyOnce(const std::string& what) {
  if (ready_.exchange(true)) return;
  LogInfo("rosterd " ROSTER_VERSION " ready: member " + std::to_string(record_.id) + ", " + what);
  daemon::systemd::NotifyReady(what);
}

void Member::OnRole(const RoleView& view) {
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
  if (view.leader_id != 0) {
    NotifyReadyOnce("a member of the cluster whose primary is node " +
                    std::to_string(view.leader_id));
  }
}

void Member::HandOver() {
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
  signals_.async_wait([this](boost::system::error_code e, int signo) {
    if (e) return;
    LogInfo("signal " + std::to_string(signo) + ": shutting down");
    daemon::systemd::NotifyStopping();
  });
  watcher_->Start();
  io_.run();  // until the signal's handler ran
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

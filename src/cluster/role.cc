// role.cc — the role watcher's loop (see role.h).
#include "cluster/role.h"

#include <memory>

#include "store/dqlite/client.h"
#include "util/log.h"
#include "util/thread_name.h"

namespace roster::cluster {

namespace dq = store::dqlite;

RoleWatcher::RoleWatcher(std::string node_address, uint64_t self_id, std::chrono::milliseconds poll,
                         OnPoll on_poll)
    : address_(std::move(node_address)),
      self_id_(self_id),
      poll_(poll),
      on_poll_(std::move(on_poll)) {}

RoleWatcher::~RoleWatcher() { Stop(); }

void RoleWatcher::Start() {
  std::lock_guard lock(mu_);
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  NameThread(thread_, "role");
}

void RoleWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RoleView RoleWatcher::view() const {
  std::lock_guard lock(mu_);
  return view_;
}

void RoleWatcher::Run() {
  std::unique_ptr<dq::Conn> conn;
  std::string last_error;
  for (;;) {
    // A few polls' time for one answer: a busy node is not taken for a
    // dead one, a hung one does not stall the watcher.
    const auto deadline = dq::Clock::now() + std::max(poll_ * 4, std::chrono::milliseconds(200));
    RoleView v;
    if (!conn || !conn->is_open()) {
      auto dialed = dq::Conn::Dial(address_, {}, deadline);
      if (dialed.ok())
        conn = std::move(dialed).value();
      else if (dialed.error().status().message() != last_error) {
        last_error = dialed.error().status().message();
        LogWarn("role watcher: cannot reach this member's node: " + last_error);
      }
    }
    if (conn && conn->is_open()) {
      auto leader = dq::AskLeader(*conn, deadline);
      if (leader.ok()) {
        v.leader_id = leader->id;
        v.leader_address = leader->address;
        v.leader = leader->id == self_id_ && leader->id != 0;
        last_error.clear();
      } else {
        conn.reset();
        if (leader.error().status().message() != last_error) {
          last_error = leader.error().status().message();
          LogWarn("role watcher: this member's node did not say who leads: " + last_error);
        }
      }
    }
    {
      std::lock_guard lock(mu_);
      view_ = v;
    }
    on_poll_(v);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, poll_, [this] { return stop_; })) return;
  }
}

}  // namespace roster::cluster

// role.h — the role watcher: every role_poll_ms it asks this member's own
// dqlite node whom it thinks leads (LEADER, answered by the node from its
// Raft state, store/dqlite/client.h AskLeader) and hands the answer to the
// member, which starts its core when its node leads and stops it when it no
// longer does, and tells the front where the primary is.
//
// One connection to the node, kept and dialled again when it fails; each
// question has a deadline of a few polls, so a node that hangs shows as "no
// leader known" instead of stopping the watcher. The answer is what the node
// believes: a leader cut off from the majority believes it leads until
// Raft's election timeout tells it otherwise, but it cannot commit in the
// meantime (and the core's connections are fenced to it:
// store/dqlite_engine.h), so a stale answer never makes two writers.
//
// Thread-safety: the watcher runs on a thread of its own and calls on_poll
// there; view() from any thread. Start and Stop from one thread, never from
// on_poll.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace roster::cluster {

// What this member's node says about the leader.
struct RoleView {
  bool leader = false;     // this member's node leads
  uint64_t leader_id = 0;  // 0: no leader known (an election, or no answer)
  std::string leader_address;
};

class RoleWatcher {
 public:
  using OnPoll = std::function<void(const RoleView&)>;
  RoleWatcher(std::string node_address, uint64_t self_id, std::chrono::milliseconds poll,
              OnPoll on_poll);
  ~RoleWatcher();  // Stop()
  RoleWatcher(const RoleWatcher&) = delete;
  RoleWatcher& operator=(const RoleWatcher&) = delete;

  void Start();
  // Returns once the thread ended (after an on_poll in progress).
  void Stop();
  RoleView view() const;

 private:
  void Run();

  const std::string address_;
  const uint64_t self_id_;
  const std::chrono::milliseconds poll_;
  const OnPoll on_poll_;
  std::thread thread_;

  mutable std::mutex mu_;
  // ---- guarded by mu_ ----
  std::condition_variable wake_;
  bool stop_ = false;
  RoleView view_;
};

}  // namespace roster::cluster

// registry_options.h — the Registry's domain settings (TTLs, limits, sizes)
// and its replaceable clock and process probe, each with its default.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/process_probe.h"

namespace roster::store {

// Every option with its default.
struct RegistryOptions {
  // TTL of a session registered without ttl_ms.
  int64_t default_ttl_ms = 60'000;
  // TTL of a session an agent hook registers without ttl_ms (RegisterParams::
  // hook). It matters only while the session has no pid: a long one, so an
  // agent waiting at its prompt over lunch is not reported dead.
  int64_t hook_ttl_ms = 2LL * 3600 * 1000;
  // Largest accepted ttl_ms (7 days).
  int64_t max_ttl_ms = 7LL * 24 * 3600 * 1000;
  // Most sessions that may be active, idle or paused at once; register refuses
  // more with limit_exceeded.
  int64_t max_live_sessions = 100'000;
  // Longest friendly name, root, tmux session, kind or reason (bytes).
  size_t max_field_bytes = 4096;
  // Largest `meta` object and log `body` (serialized bytes).
  size_t max_meta_bytes = 64 * 1024;
  size_t max_body_bytes = 256 * 1024;
  // Pause summary length (characters) and how many log entries feed it.
  size_t summary_chars = 500;
  int summary_entries = 5;
  // A team root is live while it holds this file, directly or under .team/.
  std::string compose_marker = "team-compose.yaml";
  // This rosterd's host (daemon/host_id.h). Registrations, team.up and
  // pauses record it; the probes (pids, tmux, roots' branches and markers),
  // the expiry sweep, reap and the restart grace judge only its sessions and
  // teams. rosterd always sets it; "local" serves a Registry on its own.
  std::string host = "local";
  // This Registry runs where no host's own facts can be read (a cluster's
  // core: cluster/host_agent.h): it never looks at a pid, tmux or a root on
  // this machine. Each host's agent probes them and reports (host.report),
  // and reap takes the sessions of any host that are stopped or whose
  // process its agent reported exited. The daemon's host duties (restart
  // grace, heartbeat, probes) are the agents' then, too (daemon/config.h).
  // Off: this rosterd probes its own host, as on one machine.
  bool host_agent = false;
  // A host whose rosterd has not written its heartbeat (hosts.last_seen) for
  // this long is unreachable: its sessions say so (`unreachable`) and are
  // judged by nobody else. This Registry's own host never is.
  int64_t host_timeout_ms = 60'000;
  // Clock (Unix milliseconds). Tests replace it.
  std::function<int64_t()> clock;
  // Process and tmux liveness. Tests replace it.
  std::shared_ptr<ProcessProbe> probe;
};

}  // namespace roster::store

// host_id.h — the name of the machine a rosterd runs on, its `host`: the key
// of every per-machine fact in the registry. Sessions, teams and pauses carry
// the host of the rosterd that registered them, and a rosterd probes pids,
// tmux and team roots only for its own host (docs/architecture.md, Hosts).
//
// A host name must be stable across restarts (the sessions of a renamed host
// would belong to a host that never comes back) and distinct between the
// machines that share a registry (two machines with one name would each
// judge the other's pids). So the default is derived from the machine id
// (/etc/machine-id, which systemd creates once per installation), not from
// the hostname: the first 12 hex digits of its application-specific hash
// (sd_id128_get_machine_app_specific, so the machine id itself is never
// shown). The `host` setting (--host) names it instead, e.g. "devbox".
#pragma once

#include <string>
#include <string_view>

namespace roster::daemon {

// Whether `name` can be a host name: 1..64 bytes of ASCII letters, digits,
// '.', '-' and '_' (a word a shell and a table show as it is).
bool IsValidHostName(std::string_view name);

// What a host name may hold, for messages.
inline constexpr std::string_view kHostNameRule = "1 to 64 ASCII letters, digits, '.', '-' or '_'";

struct DefaultHost {
  std::string name;
  // Empty when the name came from the machine id; otherwise why it did not
  // (no /etc/machine-id, e.g. in a container) and that the hostname, made a
  // valid host name, stands in for it.
  std::string warning;
};

// This machine's default host name (see the header comment). Never fails:
// without a machine id, the hostname stands in (and `warning` says so).
DefaultHost DefaultHostName();

// The machine's hostname (gethostname), for people: the hosts table shows
// it beside the host name. "" when it cannot be read.
std::string MachineHostname();

}  // namespace roster::daemon

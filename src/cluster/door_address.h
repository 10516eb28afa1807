// door_address.h — the one definition of where a member's door listens: the
// port after its dqlite node's (--cluster ADDR), on the same IPv4 address.
// A member's node speaks Raft and the dqlite wire protocol on ADDR; its door
// (cluster/door.h), the authenticated entrance other rosterds use, is on
// ADDR+1. Both ports must be free for a member to start.
//
// Usage:
//   auto door = cluster::DoorAddress("10.0.0.5:9001");   // "10.0.0.5:9002"
//
// No state: safe on any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace roster::cluster {

// An IPv4 address and port, parsed from "a.b.c.d:port".
struct Ipv4Endpoint {
  std::string ip;  // as written, e.g. "127.0.0.1"
  uint16_t port = 0;
  std::string ToString() const { return ip + ":" + std::to_string(port); }
};

// Parses "a.b.c.d:port" (a numeric IPv4 address, a port 1..65535);
// invalid_params naming `what` and the text otherwise.
Result<Ipv4Endpoint> ParseIpv4Endpoint(std::string_view text, std::string_view what);

// The door of the member whose node is at `cluster_address`: the same
// address, the next port. invalid_params for an address that is not
// "a.b.c.d:port" or whose port is 65535 (no port follows it).
Result<std::string> DoorAddress(std::string_view cluster_address);

}  // namespace roster::cluster

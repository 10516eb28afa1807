// node.h — a dqlite node running in this process (libdqlite 1.11): the
// replicated database a Client talks to. Node::Start creates, configures and
// starts one; its destructor stops and destroys it.
//
// dqlite's rules, as 1.11 has them: node id 1 bootstraps a new cluster of
// one (on first start; its data directory remembers); any other id starts
// empty and joins when the leader ADDs and ASSIGNs it (Client::Add/Assign).
// The address must be a numeric "IPv4:port" (1.11 binds nothing else) and is
// what peers and clients dial; it is also the bind address. Every node keeps
// the whole database in memory and its Raft log in `data_dir`; each commit
// is one Raft entry written with O_DSYNC (a single-node commit costs one
// synchronous disk write).
//
// SIGPIPE: libdqlite writes to sockets with write(2), without MSG_NOSIGNAL,
// so a client or peer that vanished mid-answer raises SIGPIPE, whose default
// action kills the process. Start() therefore ignores SIGPIPE for the whole
// process (when it still has the default action; a handler someone
// installed is left alone) — IgnoreSigpipe() does it on its own.
//
// Thread-safety: Start and Stop from one thread; the node serves on its own.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "util/status.h"

struct dqlite_node;

namespace roster::store::dqlite {

struct NodeOptions {
  uint64_t id = 1;
  std::string address;   // "127.0.0.1:9001"
  std::string data_dir;  // created if missing
  // Raft timing from the expected one-way network latency: heartbeat every
  // 1.5x, election timeout 15x (dqlite_node_set_network_latency_ms). 0 keeps
  // 1.11's defaults: heartbeat 500 ms, election timeout 3 s.
  unsigned network_latency_ms = 0;
  // A snapshot every `snapshot_threshold` entries, keeping
  // `snapshot_trailing` entries after it (0: 1.11's 1024 and 8192).
  unsigned snapshot_threshold = 0;
  unsigned snapshot_trailing = 0;
};

// A new node id for a node that will join at `address` (libdqlite's
// dqlite_generate_node_id: a hash of the address and the current time, so
// two calls differ), below 2^53 (exact in any JSON client); never 1, the
// bootstrap id.
uint64_t GenerateNodeId(const std::string& address);

// Sets SIGPIPE to SIG_IGN if it has the default action (process-wide).
void IgnoreSigpipe();

class Node {
 public:
  static ::roster::Result<std::unique_ptr<Node>> Start(const NodeOptions& options);
  ~Node();  // Stop()s, then destroys
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Stops serving: clients are disconnected, in-flight requests end.
  // Idempotent.
  Status Stop();

  uint64_t id() const { return options_.id; }
  const std::string& address() const { return options_.address; }
  const std::string& data_dir() const { return options_.data_dir; }

 private:
  Node(dqlite_node* node, NodeOptions options) : node_(node), options_(std::move(options)) {}
  dqlite_node* node_;
  NodeOptions options_;
  bool running_ = true;
};

}  // namespace roster::store::dqlite

// node.cc — starting and stopping an in-process dqlite node (dqlite.h).
#include "store/dqlite/node.h"

#include <signal.h>

// dqlite.h declares C functions without extern "C".
extern "C" {
#include <dqlite.h>
}

#include <filesystem>

namespace roster::store::dqlite {

void IgnoreSigpipe() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    ::signal(SIGPIPE, SIG_IGN);
  }
}

uint64_t GenerateNodeId(const std::string& address) {
  // Kept below 2^53, so that every JSON client reads it exactly (a double's
  // mantissa); 53 bits of a hash of the address and the time still tell
  // the members of one cluster apart.
  uint64_t id = 0;
  while (id <= 1) id = dqlite_generate_node_id(address.c_str()) & ((uint64_t{1} << 53) - 1);
  return id;
}

::roster::Result<std::unique_ptr<Node>> Node::Start(const NodeOptions& options) {
  const std::string what = "dqlite node " + std::to_string(options.id) + " at " + options.address;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::Unavailable(what + ": cannot create data directory " + options.data_dir + ": " +
                               ec.message());
  }
  IgnoreSigpipe();
  dqlite_node* raw = nullptr;
  int rc = dqlite_node_create(options.id, options.address.c_str(), options.data_dir.c_str(), &raw);
  if (rc != 0) {
    std::string detail = raw ? dqlite_node_errmsg(raw) : "";
    if (raw) dqlite_node_destroy(raw);
    return Status::Unavailable(what + ": cannot create it (" + detail + ", code " +
                               std::to_string(rc) + ")");
  }
  std::unique_ptr<Node> node(new Node(raw, options));
  node->running_ = false;  // nothing to stop until dqlite_node_start succeeded
  auto failed = [&](const char* step, int code) {
    std::string detail = dqlite_node_errmsg(raw);
    return Status::Unavailable(what + ": " + step + " failed (code " + std::to_string(code) +
                               (detail.empty() ? "" : ": " + detail) + ")");
  };
  if ((rc = dqlite_node_set_bind_address(raw, options.address.c_str())) != 0) {
    return failed("binding the address (in use, or not a numeric IPv4:port?)", rc);
  }
  if (options.network_latency_ms != 0 &&
      (rc = dqlite_node_set_network_latency_ms(raw, options.network_latency_ms)) != 0) {
    return failed("setting the network latency", rc);
  }
  if (options.snapshot_threshold != 0 &&
      (rc = dqlite_node_set_snapshot_params(raw, options.snapshot_threshold,
                                            options.snapshot_trailing)) != 0) {
    return failed("setting the snapshot parameters (trailing must be >= threshold)", rc);
  }
  if ((rc = dqlite_node_start(raw)) != 0) return failed("starting", rc);
  node->running_ = true;
  return node;
}

Status Node::Stop() {
  if (!running_) return Status::Ok();
  running_ = false;
  int rc = dqlite_node_stop(node_);
  if (rc != 0) {
    return Status::Internal("dqlite node " + std::to_string(options_.id) + " stopped with code " +
                            std::to_string(rc));
  }
  return Status::Ok();
}

Node::~Node() {
  Stop();
  dqlite_node_destroy(node_);
}

}  // namespace roster::store::dqlite

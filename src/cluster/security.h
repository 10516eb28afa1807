// security.h — what a member needs to open or accept cluster connections:
// the cluster secret (cluster/secret.h) and, when the three TLS settings are
// given, the TLS context (cluster/tls.h). Loaded once at start from the
// configuration; shared read-only by the door and every peer connection.
//
// Usage:
//   auto security = cluster::Security::Load(config);   // a sentence on error
//   cluster::Door door(io, config, *security, core_serving);
//
// Immutable once loaded: safe to share between threads.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "daemon/config.h"
#include "util/status.h"

namespace roster::cluster {

struct Security {
  // Empty when cluster_secret_file is not set: then the door refuses every
  // connection and no peer connection can be made.
  std::string secret;
  // Null without TLS (cluster_tls_cert, _key and _ca all unset).
  std::shared_ptr<boost::asio::ssl::context> tls;

  bool has_secret() const { return !secret.empty(); }

  // Reads the secret file and the TLS files the configuration names.
  // invalid_params with a sentence when one is wrong, or when only some of
  // the three TLS settings are given.
  static Result<Security> Load(const daemon::DaemonConfig& config);
};

}  // namespace roster::cluster

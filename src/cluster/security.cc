// security.cc — loading the secret and the TLS context (see security.h).
#include "cluster/security.h"

#include "cluster/secret.h"
#include "cluster/tls.h"

namespace roster::cluster {

Result<Security> Security::Load(const daemon::DaemonConfig& config) {
  Security s;
  if (!config.cluster_secret_file.empty()) {
    auto secret = LoadSecret(config.cluster_secret_file);
    if (!secret.ok()) return secret.status();
    s.secret = std::move(secret).value();
  }
  const int given = !config.cluster_tls_cert.empty() + !config.cluster_tls_key.empty() +
                    !config.cluster_tls_ca.empty();
  if (given != 0 && given != 3) {
    return Status::InvalidParams(
        "cluster TLS needs all three of cluster_tls_cert, cluster_tls_key and cluster_tls_ca "
        "(or none of them, for no TLS); " +
        std::to_string(given) + " of them are set");
  }
  if (given == 3) {
    auto ctx =
        MakeTlsContext(config.cluster_tls_cert, config.cluster_tls_key, config.cluster_tls_ca);
    if (!ctx.ok()) return ctx.status();
    s.tls = std::move(ctx).value();
  }
  return s;
}

}  // namespace roster::cluster

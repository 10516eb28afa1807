// tls.cc — the cluster's TLS context (see tls.h). Each file is checked for
// readability first and each OpenSSL step's failure becomes a sentence of
// ours: OpenSSL's own messages ("error:0480006C:PEM routines::no start
// line") are for logs at debug level, not for the user.
#include "cluster/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/log.h"

namespace roster::cluster {

namespace ssl = boost::asio::ssl;

namespace {

Status Unreadable(const std::string& key, const std::string& file) {
  std::ifstream in(file);
  if (in) return Status::Ok();
  return Status::InvalidParams("cannot read " + key + " " + file + ": " + std::strerror(errno));
}

// invalid_params saying `what`, after logging OpenSSL's queue at debug level.
Status Refused(const std::string& what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail += std::string(detail.empty() ? "" : "; ") + buf;
  }
  if (!detail.empty()) LogDebug("TLS: " + what + " (" + detail + ")");
  return Status::InvalidParams(what);
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                     const std::string& key_file,
                                                     const std::string& ca_file) {
  ROSTER_RETURN_IF_ERROR(Unreadable("cluster_tls_cert", cert_file));
  ROSTER_RETURN_IF_ERROR(Unreadable("cluster_tls_key", key_file));
  ROSTER_RETURN_IF_ERROR(Unreadable("cluster_tls_ca", ca_file));
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = ctx->native_handle();
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Refused("this OpenSSL cannot be limited to TLS 1.2 or later");
  }
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return Refused("cluster_tls_cert " + cert_file +
                   " holds no PEM certificate this OpenSSL accepts");
  }
  EVP_PKEY* key = nullptr;
  if (BIO* bio = BIO_new_file(key_file.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  if (!key) {
    return Refused("cluster_tls_key " + key_file +
                   " holds no PEM private key this OpenSSL accepts");
  }
  const int used = SSL_CTX_use_PrivateKey(native, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(native) != 1) {
    return Refused("cluster_tls_key " + key_file + " is not the key of the certificate in " +
                   cert_file);
  }
  if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
    return Refused("cluster_tls_ca " + ca_file +
                   " holds no PEM CA certificate this OpenSSL accepts");
  }
  // Both sides present a certificate and check the other's.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

}  // namespace roster::cluster

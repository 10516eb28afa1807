// tls.h — the TLS context of the cluster's connections (the door and every
// peer connection to one), from three PEM files: this member's certificate
// (chain), its private key, and the CA that signed every member's
// certificate. TLS 1.2 or later only; each side verifies the other's
// certificate against the CA (a member's door refuses a client without
// one). Any certificate the CA signed is a member: host names are not
// checked, since members are named by IP address.
//
// Usage:
//   auto ctx = cluster::MakeTlsContext(cert, key, ca);
//   if (!ctx.ok()) { /* a sentence naming the file and what is wrong */ }
//   // the door: ssl::stream<tcp::socket>(std::move(socket), **ctx) as server
//   // a peer: the same stream as client
//
// The context is immutable once made and may be shared by any number of
// streams on any threads (OpenSSL's SSL_CTX is reference-counted and
// thread-safe for this use).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "util/status.h"

namespace roster::cluster {

// invalid_params with a sentence (never OpenSSL's text) for a file that
// cannot be read, is not PEM of the right kind, or a key that does not
// belong to the certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                                  const std::string& key_file,
                                                                  const std::string& ca_file);

}  // namespace roster::cluster

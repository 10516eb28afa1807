// handshake.h — the door's mutual proof of the cluster secret, after TLS
// when there is TLS, before a single request passes. Lines of JSON:
//
//   door   → {"roster_door":1,"nonce":N_s}
//   client → {"nonce":N_c,"proof":HMAC-SHA256(secret, "client" N_s N_c)}
//   door   → {"proof":HMAC-SHA256(secret, "server" N_s N_c)}
//
// Nonces are 16 random bytes in lower-case hex (32 characters), proofs the
// HMAC in hex (64); the HMAC is OpenSSL's and both sides compare in constant
// time. The secret itself never crosses the wire, and neither side can
// replay an old exchange (each side's nonce is fresh). A wrong client proof
// is answered with one JSON-RPC error line (permission_denied, "wrong
// cluster secret") and the connection closed.
//
// The door answers the client's proof only once it knows whether it can
// serve: in place of its proof it may send one JSON-RPC error line (a door
// without a secret at once, a door whose core is not serving after the
// client's proof), which the client returns as that error's Status (its
// data.cause kept as a detail: not_primary means "look again"). So a
// client that holds the door's proof knows that its bytes go to a core.
//
// Every line is at most kMaxHandshakeLine bytes, and the whole exchange must
// end within kHandshakeDeadline (the stream is closed then).
//
// Usage (door side, then client side):
//   AcceptHandshake(stream, secret, [](Result<Accepted> r) {
//     if (r.ok()) stream->AsyncWrite(r->proof_line ...);   // or a refusal
//   });
//   OfferHandshake(stream, secret, [](Result<std::string> leftover) { ... });
//
// Thread-safety: the stream's (its io thread).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/stream.h"
#include "util/status.h"

namespace roster::cluster {

inline constexpr std::chrono::seconds kHandshakeDeadline{5};
inline constexpr size_t kMaxHandshakeLine = 1024;

// What the door side learned: the line to send to finish the handshake, and
// the bytes the client sent after its proof (none from a client that waits
// for the door's proof, as it must).
struct Accepted {
  std::string proof_line;  // with its '\n'
  std::string leftover;
};

// Door side: sends the greeting, reads and checks the client's proof.
// permission_denied when the proof is wrong (the error line was sent and the
// stream closed), unavailable when the client left, timed out or sent
// something else. REQUIRES: secret is not empty.
void AcceptHandshake(std::shared_ptr<ByteStream> stream, const std::string& secret,
                     std::function<void(Result<Accepted>)> done);

// Client side: answers the greeting and checks the door's proof. The value
// is what the door sent after its proof (normally nothing). Errors:
// permission_denied (wrong secret, either way), the door's own error line's
// Status, unavailable (closed, timed out, not a Roster door).
void OfferHandshake(std::shared_ptr<ByteStream> stream, const std::string& secret,
                    std::function<void(Result<std::string>)> done);

// The hex of HMAC-SHA256(secret, message) (exposed for tests).
std::string HmacHex(const std::string& secret, const std::string& message);

}  // namespace roster::cluster

// handshake.cc — the secret handshake's two sides (see handshake.h). Each
// side is one object kept alive by its pending operations: a line reader
// bounded by kMaxHandshakeLine and a timer that closes the stream at the
// deadline.
#include "cluster/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <boost/json.hpp>

#include "daemon/jsonrpc.h"
#include "util/error_table.h"

namespace roster::cluster {

namespace json = boost::json;

namespace {

constexpr size_t kNonceBytes = 16;
constexpr size_t kProofBytes = 32;  // SHA-256

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

bool IsHex(const json::value* v, size_t chars) {
  if (!v || !v->is_string() || v->as_string().size() != chars) return false;
  for (char c : v->as_string()) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Nonce() {
  unsigned char raw[kNonceBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) std::abort();  // no randomness: nothing is safe
  return Hex(raw, sizeof raw);
}

// Equal hex proofs, in time independent of where they differ.
bool SameProof(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A JSON-RPC error line as the Status it carries, with data.cause kept.
std::optional<Status> ErrorLine(const json::object& o) {
  const json::value* e = o.if_contains("error");
  if (!e || !e->is_object()) return std::nullopt;
  const json::object& err = e->as_object();
  std::string message = "the door refused the connection";
  if (auto* m = err.if_contains("message"); m && m->is_string()) message = m->as_string();
  Code code = Code::kUnavailable;
  std::string cause;
  if (auto* d = err.if_contains("data"); d && d->is_object()) {
    if (auto* r = d->as_object().if_contains("reason"); r && r->is_string())
      code = CodeFromReason(r->as_string()).value_or(Code::kUnavailable);
    if (auto* c = d->as_object().if_contains("cause"); c && c->is_string()) cause = c->as_string();
  }
  Status s(code == Code::kOk ? Code::kUnavailable : code, "the door answered: " + message);
  return cause.empty() ? s : s.With("cause", cause);
}

// One side of the handshake: line reads with a bound and a deadline.
class Side : public std::enable_shared_from_this<Side> {
 public:
  Side(std::shared_ptr<ByteStream> stream, std::string secret)
      : stream_(std::move(stream)), secret_(std::move(secret)), timer_(stream_->executor()) {}
  virtual ~Side() = default;

 protected:
  void ArmDeadline() {
    timer_.expires_after(kHandshakeDeadline);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->stream_->Close();
    });
  }

  // Calls `got` with the next line (without '\n') parsed as a JSON object,
  // or Fail()s.
  void ReadLine(std::function<void(const json::object&)> got) {
    const size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec || !v.is_object()) return Fail(Unexpected());
      return got(v.as_object());
    }
    if (buf_.size() > kMaxHandshakeLine) return Fail(Unexpected());
    stream_->AsyncReadSome(
        asio::buffer(chunk_),
        [self = shared_from_this(), got](const boost::system::error_code& ec, size_t n) {
          if (ec) {
            return self->Fail(Status::Unavailable(
                self->timed_out_ ? "the cluster handshake did not finish within 5 s"
                                 : "the connection closed during the cluster handshake"));
          }
          self->buf_.append(self->chunk_, n);
          self->ReadLine(got);
        });
  }

  void Write(std::string line, std::function<void()> then) {
    auto text = std::make_shared<std::string>(std::move(line));
    stream_->AsyncWrite(asio::buffer(*text), [self = shared_from_this(), text, then](
                                                 const boost::system::error_code& ec, size_t) {
      if (ec)
        return self->Fail(
            Status::Unavailable("the connection closed during the cluster handshake"));
      then();
    });
  }

  void Finish() {
    finished_ = true;
    timer_.cancel();
  }
  virtual void Fail(Status why) = 0;
  virtual Status Unexpected() const = 0;

  std::shared_ptr<ByteStream> stream_;
  const std::string secret_;
  asio::steady_timer timer_;
  std::string buf_;
  char chunk_[512];
  bool finished_ = false;
  bool timed_out_ = false;
};

class DoorSide final : public Side {
 public:
  DoorSide(std::shared_ptr<ByteStream> stream, std::string secret,
           std::function<void(Result<Accepted>)> done)
      : Side(std::move(stream), std::move(secret)), done_(std::move(done)) {}

  void Start() {
    ArmDeadline();
    Write(json::serialize(json::object{{"roster_door", 1}, {"nonce", nonce_}}) + "\n",
          [self = Self()] { self->ReadLine([self](const json::object& o) { self->Check(o); }); });
  }

 private:
  std::shared_ptr<DoorSide> Self() {
    return std::static_pointer_cast<DoorSide>(shared_from_this());
  }

  void Check(const json::object& o) {
    const json::value* nonce = o.if_contains("nonce");
    const json::value* proof = o.if_contains("proof");
    if (!IsHex(nonce, 2 * kNonceBytes) || !IsHex(proof, 2 * kProofBytes)) return Fail(Unexpected());
    const std::string client_nonce(nonce->as_string());
    const std::string expected = HmacHex(secret_, "client" + nonce_ + client_nonce);
    if (!SameProof(expected, proof->as_string())) {
      Status wrong = Status::PermissionDenied("wrong cluster secret");
      return Write(daemon::jsonrpc::ErrorResponse(nullptr, wrong) + "\n",
                   [self = Self(), wrong] { self->Fail(wrong); });
    }
    Finish();
    Accepted a{json::serialize(
                   json::object{{"proof", HmacHex(secret_, "server" + nonce_ + client_nonce)}}) +
                   "\n",
               std::move(buf_)};
    auto done = std::move(done_);
    done(std::move(a));
  }

  void Fail(Status why) override {
    if (finished_) return;
    Finish();
    stream_->Close();
    auto done = std::move(done_);
    done(std::move(why));
  }
  Status Unexpected() const override {
    return Status::Unavailable("the client did not speak the cluster handshake");
  }

  const std::string nonce_ = Nonce();
  std::function<void(Result<Accepted>)> done_;
};

class ClientSide final : public Side {
 public:
  ClientSide(std::shared_ptr<ByteStream> stream, std::string secret,
             std::function<void(Result<std::string>)> done)
      : Side(std::move(stream), std::move(secret)), done_(std::move(done)) {}

  void Start() {
    ArmDeadline();
    ReadLine([self = Self()](const json::object& o) { self->Greeted(o); });
  }

 private:
  std::shared_ptr<ClientSide> Self() {
    return std::static_pointer_cast<ClientSide>(shared_from_this());
  }

  void Greeted(const json::object& o) {
    if (auto err = ErrorLine(o)) return Fail(*err);
    const json::value* version = o.if_contains("roster_door");
    const json::value* nonce = o.if_contains("nonce");
    if (!version || !version->is_int64() || version->as_int64() != 1 ||
        !IsHex(nonce, 2 * kNonceBytes)) {
      return Fail(Unexpected());
    }
    server_nonce_ = nonce->as_string();
    const std::string proof = HmacHex(secret_, "client" + server_nonce_ + nonce_);
    Write(
        json::serialize(json::object{{"nonce", nonce_}, {"proof", proof}}) + "\n",
        [self = Self()] { self->ReadLine([self](const json::object& a) { self->Answered(a); }); });
  }

  void Answered(const json::object& o) {
    if (auto err = ErrorLine(o)) return Fail(*err);
    const json::value* proof = o.if_contains("proof");
    if (!IsHex(proof, 2 * kProofBytes)) return Fail(Unexpected());
    if (!SameProof(HmacHex(secret_, "server" + server_nonce_ + nonce_), proof->as_string())) {
      return Fail(Status::PermissionDenied(
          "the door did not prove it knows the cluster secret (wrong cluster secret)"));
    }
    Finish();
    auto done = std::move(done_);
    done(std::move(buf_));
  }

  void Fail(Status why) override {
    if (finished_) return;
    Finish();
    stream_->Close();
    auto done = std::move(done_);
    done(std::move(why));
  }
  Status Unexpected() const override {
    return Status::Unavailable("the peer is not a rosterd door (unexpected handshake)");
  }

  const std::string nonce_ = Nonce();
  std::string server_nonce_;
  std::function<void(Result<std::string>)> done_;
};

}  // namespace

std::string HmacHex(const std::string& secret, const std::string& message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len)) {
    std::abort();  // SHA-256 is always there; without it nothing is safe
  }
  return Hex(out, len);
}

void AcceptHandshake(std::shared_ptr<ByteStream> stream, const std::string& secret,
                     std::function<void(Result<Accepted>)> done) {
  std::make_shared<DoorSide>(std::move(stream), secret, std::move(done))->Start();
}

void OfferHandshake(std::shared_ptr<ByteStream> stream, const std::string& secret,
                    std::function<void(Result<std::string>)> done) {
  std::make_shared<ClientSide>(std::move(stream), secret, std::move(done))->Start();
}

}  // namespace roster::cluster

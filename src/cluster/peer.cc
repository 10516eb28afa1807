// peer.cc — connecting to a door, and blocking calls through it (see
// peer.h).
#include "cluster/peer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "client/client.h"
#include "cluster/door_address.h"
#include "cluster/handshake.h"

namespace roster::cluster {

namespace json = boost::json;

namespace {

// One connect in progress: the socket (inside its TLS stream when there is
// TLS) and the deadline that closes it.
struct Connecting {
  Connecting(asio::any_io_executor ex, const Security& security)
      : timer(ex),
        tls(security.tls ? std::make_shared<TlsStream>(ex, *security.tls) : nullptr),
        plain(security.tls ? nullptr : std::make_shared<Tcp::socket>(ex)) {}
  Tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  asio::steady_timer timer;
  std::shared_ptr<TlsStream> tls;
  std::shared_ptr<Tcp::socket> plain;
  bool timed_out = false;
};

}  // namespace

bool IsNotPrimary(const Status& status) {
  for (const auto& [key, value] : status.details()) {
    if (key == "cause" && std::holds_alternative<std::string>(value) &&
        std::get<std::string>(value) == "not_primary") {
      return true;
    }
  }
  return false;
}

void ConnectPeer(asio::any_io_executor executor, const std::string& door_address,
                 const Security& security, std::chrono::milliseconds timeout,
                 std::function<void(Result<PeerStream>)> done) {
  auto ep = ParseIpv4Endpoint(door_address, "the door address");
  if (!ep.ok()) {
    asio::post(executor, [done, s = ep.status()] { done(s); });
    return;
  }
  if (!security.has_secret()) {
    asio::post(executor, [done] {
      done(Status::PermissionDenied(
          "no cluster secret configured on this rosterd (cluster_secret_file): it cannot reach "
          "other members"));
    });
    return;
  }
  auto op = std::make_shared<Connecting>(executor, security);
  op->timer.expires_after(timeout);
  op->timer.async_wait([op](boost::system::error_code ec) {
    if (ec) return;
    op->timed_out = true;
    boost::system::error_code ignored;
    op->socket().close(ignored);
  });
  const std::string where = door_address;
  auto fail = [op, done, where](const std::string& what) {
    op->timer.cancel();
    boost::system::error_code ignored;
    op->socket().close(ignored);
    done(Status::Unavailable(op->timed_out ? "the door " + where + " did not answer in time"
                                           : what));
  };
  auto authenticate = [op, done, where, secret = security.secret](std::shared_ptr<ByteStream> s) {
    op->timer.cancel();
    OfferHandshake(s, secret, [s, done, where](Result<std::string> r) {
      if (!r.ok()) {
        done(r.status().Recast(r.status().code(), "the door " + where + ": "));
        return;
      }
      done(PeerStream{s, std::move(r).value()});
    });
  };
  const Tcp::endpoint endpoint(asio::ip::make_address_v4(ep->ip), ep->port);
  op->socket().async_connect(
      endpoint, [op, fail, authenticate, where](boost::system::error_code ec) {
        if (ec) return fail("cannot connect to the door " + where + ": " + ec.message());
        boost::system::error_code ignored;
        op->socket().set_option(Tcp::no_delay(true), ignored);
        // A door whose machine dies says nothing: keepalive probes find out
        // within ~10 s even when nobody tells the front the primary moved.
        op->socket().set_option(asio::socket_base::keep_alive(true), ignored);
        const int fd = op->socket().native_handle();
        const int idle = 5, interval = 1, count = 5;
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
        if (!op->tls) return authenticate(WrapStream(std::move(*op->plain)));
        op->tls->async_handshake(asio::ssl::stream_base::client,
                                 [op, fail, authenticate, where](boost::system::error_code hec) {
                                   if (hec) {
                                     return fail("TLS with the door " + where +
                                                 " failed (its certificate is not signed by the "
                                                 "cluster's CA, it refused ours, or it does not "
                                                 "run TLS)");
                                   }
                                   authenticate(WrapStream(std::move(*op->tls)));
                                 });
      });
}

Result<std::unique_ptr<PeerClient>> PeerClient::Connect(const std::string& door_address,
                                                        const Security& security,
                                                        std::chrono::milliseconds timeout) {
  std::unique_ptr<PeerClient> c(new PeerClient(timeout));
  bool done = false;
  Status status;
  ConnectPeer(c->io_.get_executor(), door_address, security, timeout, [&](Result<PeerStream> r) {
    done = true;
    if (!r.ok()) {
      status = r.status();
      return;
    }
    c->stream_ = r->stream;
    c->buf_ = std::move(r->leftover);
  });
  // The handshake's own deadline follows the connect's.
  if (!c->RunUntil(done, std::chrono::steady_clock::now() + timeout + kHandshakeDeadline)) {
    return Status::Unavailable("the door " + door_address + " did not answer in time");
  }
  if (!status.ok()) return status;
  return c;
}

PeerClient::~PeerClient() {
  if (stream_) stream_->Close();
  io_.restart();
  io_.poll();  // lets the aborted operations end
}

bool PeerClient::RunUntil(const bool& done, std::chrono::steady_clock::time_point deadline) {
  io_.restart();
  while (!done && io_.run_one_until(deadline) > 0) {
  }
  if (done) return true;
  if (stream_) stream_->Close();
  io_.restart();
  io_.run();  // every handler ends (aborted) without waiting
  return false;
}

Result<json::value> PeerClient::Call(const std::string& method, json::object params) {
  if (!stream_) return Status::Unavailable("the connection to the door is closed");
  const int64_t id = ++next_id_;
  json::object req{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.empty()) req["params"] = std::move(params);
  const std::string line = json::serialize(req) + "\n";
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  bool done = false;
  boost::system::error_code failed;
  stream_->AsyncWrite(asio::buffer(line), [&](const boost::system::error_code& ec, size_t) {
    failed = ec;
    done = true;
  });
  if (!RunUntil(done, deadline) || failed) {
    stream_.reset();
    return Status::Unavailable("lost the connection to the door while sending " + method);
  }
  char chunk[16 * 1024];
  for (;;) {
    for (size_t nl; (nl = buf_.find('\n')) != std::string::npos;) {
      boost::system::error_code ec;
      json::value v = json::parse(std::string_view(buf_).substr(0, nl), ec);
      buf_.erase(0, nl + 1);
      const json::object* o = ec ? nullptr : v.if_object();
      if (!o || o->contains("method")) continue;  // a notification
      const json::value* rid = o->if_contains("id");
      if (!rid || !rid->is_int64() || rid->as_int64() != id) continue;
      if (const json::value* e = o->if_contains("error")) return client::StatusFromError(*e);
      if (const json::value* r = o->if_contains("result")) return *r;
      return Status::Internal("the core answered " + method + " without a result");
    }
    done = false;
    size_t got = 0;
    stream_->AsyncReadSome(asio::buffer(chunk), [&](const boost::system::error_code& ec, size_t n) {
      failed = ec;
      got = n;
      done = true;
    });
    if (!RunUntil(done, deadline)) {
      stream_.reset();
      return Status::Unavailable("no answer to " + method + " through the door in time");
    }
    if (failed) {
      stream_.reset();
      return Status::Unavailable("the door closed the connection before answering " + method);
    }
    buf_.append(chunk, got);
  }
}

}  // namespace roster::cluster

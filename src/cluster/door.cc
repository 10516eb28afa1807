// door.cc — the door's acceptor and its connections: TLS, handshake, then
// a pipe to the core (see door.h).
#include "cluster/door.h"

#include "cluster/door_address.h"
#include "cluster/handshake.h"
#include "daemon/jsonrpc.h"
#include "util/log.h"

namespace roster::cluster {

namespace {
constexpr size_t kPipeChunk = 64 * 1024;
}  // namespace

std::string NotPrimaryLine() {
  return daemon::jsonrpc::ErrorResponse(
             nullptr,
             Status::Unavailable("this node is not the primary").With("cause", "not_primary")) +
         "\n";
}

// One door connection: its setup (TLS, handshake, the core's socket), then
// the two halves of the pipe. Alive while an operation of it is pending.
class DoorConnection : public std::enable_shared_from_this<DoorConnection> {
 public:
  DoorConnection(Door& door, Tcp::socket socket)
      : door_(door), deadline_(socket.get_executor()), socket_(std::move(socket)) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? "an unknown peer" : ep.address().to_string() + ":" + std::to_string(ep.port());
    socket_.set_option(Tcp::no_delay(true), ec);
  }

  void Start() {
    if (!door_.security_.tls) {
      remote_ = WrapStream(std::move(socket_));
      return Authenticate();
    }
    // TLS first, within the handshake's deadline.
    auto tls = std::make_shared<TlsStream>(std::move(socket_), *door_.security_.tls);
    deadline_.expires_after(kHandshakeDeadline);
    deadline_.async_wait([tls](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      tls->lowest_layer().close(ignored);
    });
    tls->async_handshake(asio::ssl::stream_base::server,
                         [self = shared_from_this(), tls](boost::system::error_code ec) {
                           self->deadline_.cancel();
                           if (self->closed_) return;
                           if (ec) {
                             LogInfo("door: TLS with " + self->peer_ +
                                     " failed (no certificate the cluster's CA signed, or not "
                                     "TLS); connection closed");
                             boost::system::error_code ignored;
                             tls->lowest_layer().close(ignored);
                             return self->End();
                           }
                           self->remote_ = WrapStream(std::move(*tls));
                           self->Authenticate();
                         });
  }

  // Closes everything; the handlers still pending then do nothing (the
  // door may be gone by the time they run).
  void Close() {
    closed_ = true;
    if (remote_) remote_->Close();
    if (core_) core_->Close();
    boost::system::error_code ignored;
    socket_.close(ignored);
    deadline_.cancel();
  }

 private:
  void Authenticate() {
    if (!door_.security_.has_secret()) {
      return Refuse(daemon::jsonrpc::ErrorResponse(
                        nullptr, Status::PermissionDenied(
                                     "no cluster secret configured on this rosterd "
                                     "(cluster_secret_file); its door refuses every connection")) +
                    "\n");
    }
    AcceptHandshake(remote_, door_.security_.secret,
                    [self = shared_from_this()](Result<Accepted> r) {
                      if (self->closed_) return;
                      if (!r.ok()) {
                        if (r.status().code() == Code::kPermissionDenied) {
                          LogWarn("door: refused " + self->peer_ + ": wrong cluster secret");
                        } else {
                          LogDebug("door: " + self->peer_ + ": " + r.status().message());
                        }
                        return self->End();
                      }
                      self->ToCore(std::move(r).value());
                    });
  }

  void ToCore(Accepted accepted) {
    const std::optional<std::string> path = door_.core_();
    if (!path) return Refuse(NotPrimaryLine());
    auto core = std::make_shared<UnixSocket>(remote_->executor());
    core->async_connect(
        asio::local::stream_protocol::endpoint(*path),
        [self = shared_from_this(), core, a = std::move(accepted)](boost::system::error_code ec) {
          if (self->closed_) return;
          if (ec) return self->Refuse(NotPrimaryLine());  // the core stopped meanwhile
          self->core_ = WrapStream(std::move(*core));
          // What the client sent after its proof goes first, then the proof.
          self->to_core_.assign(a.leftover);
          self->to_remote_.assign(a.proof_line);
          self->FlushThenPipe(self->remote_, self->to_remote_, self->core_, true);
          self->FlushThenPipe(self->core_, self->to_core_, self->remote_, false);
        });
  }

  // Writes `pending` to `to` (when any), then copies from `from` to `to`.
  void FlushThenPipe(std::shared_ptr<ByteStream> to, std::string& pending,
                     std::shared_ptr<ByteStream> from, bool from_core) {
    if (pending.empty()) return Pipe(from, to, from_core);
    to->AsyncWrite(asio::buffer(pending), [self = shared_from_this(), from, to, from_core](
                                              const boost::system::error_code& ec, size_t) {
      if (self->closed_) return;
      if (ec) return self->End();
      self->Pipe(from, to, from_core);
    });
  }

  void Pipe(std::shared_ptr<ByteStream> from, std::shared_ptr<ByteStream> to, bool from_core) {
    std::string& buf = from_core ? to_remote_ : to_core_;
    buf.resize(kPipeChunk);
    from->AsyncReadSome(asio::buffer(buf), [self = shared_from_this(), from, to, from_core, &buf](
                                               const boost::system::error_code& ec, size_t n) {
      if (self->closed_) return;
      if (ec) {
        // The client finished sending: the core answers what it has and
        // ends the stream itself. The core ending ends the connection.
        if (!from_core && ec == asio::error::eof) return to->ShutdownSend();
        return self->End();
      }
      to->AsyncWrite(asio::buffer(buf.data(), n),
                     [self, from, to, from_core](const boost::system::error_code& wec, size_t) {
                       if (self->closed_) return;
                       if (wec) return self->End();
                       self->Pipe(from, to, from_core);
                     });
    });
  }

  // Sends one line and closes.
  void Refuse(std::string line) {
    to_remote_ = std::move(line);
    remote_->AsyncWrite(
        asio::buffer(to_remote_),
        [self = shared_from_this()](const boost::system::error_code&, size_t) { self->End(); });
  }

  // Ends the connection and leaves the door's set (once).
  void End() {
    if (closed_) return;
    door_.Forget(shared_from_this());
    Close();
  }

  Door& door_;
  asio::steady_timer deadline_;
  Tcp::socket socket_;  // until wrapped
  std::string peer_;
  std::shared_ptr<ByteStream> remote_;
  std::shared_ptr<ByteStream> core_;
  std::string to_core_;    // bytes on their way to the core
  std::string to_remote_;  // bytes on their way to the client
  bool closed_ = false;
};

Door::Door(asio::io_context& io, const daemon::DaemonConfig& config, const Security& security,
           CoreSocket core)
    : io_(io),
      config_(config),
      security_(security),
      core_(std::move(core)),
      acceptor_(io),
      backoff_(io) {}

Door::~Door() = default;

Status Door::Start() {
  auto door = DoorAddress(config_.cluster);
  if (!door.ok()) return door.status();
  auto ep = ParseIpv4Endpoint(*door, "the door address");
  if (!ep.ok()) return ep.status();
  const Tcp::endpoint endpoint(asio::ip::make_address_v4(ep->ip), ep->port);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Status::Unavailable("cannot listen on the door " + *door +
                               " (the port after --cluster " + config_.cluster +
                               "): " + ec.message());
  }
  address_ = *door;
  Accept();
  return Status::Ok();
}

void Door::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, Tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopped_) return;
    if (!ec) {
      if (connections_.size() >= static_cast<size_t>(config_.limits.max_connections)) {
        LogWarn("door: too many connections (max_connections " +
                std::to_string(config_.limits.max_connections) + "); one refused");
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        auto c = std::make_shared<DoorConnection>(*this, std::move(socket));
        connections_.insert(c);
        c->Start();
      }
    } else {
      // Out of descriptors, most likely: pause rather than fail in a loop.
      LogWarn("door: accept failed: " + ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([this](boost::system::error_code e) {
        if (!e && !stopped_) Accept();
      });
      return;
    }
    Accept();
  });
}

void Door::Stop() {
  stopped_ = true;
  backoff_.cancel();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  auto conns = std::move(connections_);
  connections_.clear();
  for (auto& c : conns) c->Close();
}

}  // namespace roster::cluster

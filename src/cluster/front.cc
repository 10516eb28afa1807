// front.cc — the front's acceptor and its relays (see front.h).
#include "cluster/front.h"

#include <filesystem>

#include "cluster/relay.h"
#include "daemon/jsonrpc.h"
#include "daemon/server.h"
#include "util/log.h"

namespace roster::cluster {

Front::Front(asio::io_context& io, const daemon::DaemonConfig& config, const Security& security,
             PrimaryLocator locator)
    : io_(io),
      config_(config),
      security_(security),
      locator_(std::move(locator)),
      acceptor_(io),
      grace_(io),
      backoff_(io) {}

Front::~Front() = default;

Status Front::Listen() {
  ROSTER_RETURN_IF_ERROR(daemon::ListenUnix(acceptor_, config_.socket_path));
  bound_path_ = true;
  Accept();
  return Status::Ok();
}

Status Front::Adopt(int fd) {
  ROSTER_RETURN_IF_ERROR(daemon::AdoptUnix(acceptor_, fd, config_.socket_path));
  Accept();
  return Status::Ok();
}

void Front::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, UnixSocket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      if (!daemon::PeerIsThisUser(socket)) {
        Refuse(std::move(socket), Status::PermissionDenied("peers of another user are refused"));
      } else if (relays_.size() >= static_cast<size_t>(config_.limits.max_connections)) {
        Refuse(std::move(socket),
               Status::LimitExceeded("too many connections (max_connections " +
                                     std::to_string(config_.limits.max_connections) + ")"));
      } else {
        auto relay = std::make_shared<Relay>(std::move(socket), *this);
        relays_.insert(relay);
        relay->Start();
      }
    } else {
      // Out of descriptors, most likely: pause rather than fail in a loop.
      LogWarn("accept failed: " + ec.message() + " (" + std::to_string(relays_.size()) +
              " connections open)");
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([this](boost::system::error_code e) {
        if (!e && !stopping_) Accept();
      });
      return;
    }
    Accept();
  });
}

void Front::Refuse(UnixSocket socket, const Status& why) {
  auto s = std::make_shared<UnixSocket>(std::move(socket));
  auto line = std::make_shared<std::string>(daemon::jsonrpc::ErrorResponse(nullptr, why) + "\n");
  asio::async_write(*s, asio::buffer(*line), [s, line](boost::system::error_code, size_t) {
    boost::system::error_code ignored;
    s->close(ignored);
  });
}

void Front::Forget(const std::shared_ptr<Relay>& relay) {
  relays_.erase(relay);
  if (stopping_ && relays_.empty()) grace_.cancel();
}

void Front::PrimaryChanged() {
  auto relays = relays_;
  for (auto& r : relays) r->PrimaryChanged();
}

void Front::Stop() {
  if (stopping_) return;
  stopping_ = true;
  backoff_.cancel();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  // The socket file goes with the acceptor, as rosterd's own (a socket
  // systemd passed stays: it is systemd's).
  if (bound_path_) {
    std::error_code ec;
    std::filesystem::remove(config_.socket_path, ec);
  }
  auto relays = relays_;
  for (auto& r : relays) r->Shutdown();
  if (relays_.empty()) return;
  grace_.expires_after(std::chrono::milliseconds(config_.limits.shutdown_grace_ms));
  grace_.async_wait([this](boost::system::error_code ec) {
    if (ec || relays_.empty()) return;
    LogWarn("dropping " + std::to_string(relays_.size()) +
            " connection(s) that did not take their last replies within shutdown_grace_ms");
    auto rest = relays_;
    for (auto& r : rest) r->Drop();
  });
}

}  // namespace roster::cluster

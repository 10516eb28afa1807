// server.cc — the acceptor and the set of open connections (see server.h).
#include "daemon/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "daemon/jsonrpc.h"
#include "daemon/startup_paths.h"
#include "util/log.h"

namespace roster::daemon {

Server::Server(asio::io_context& io, const DaemonConfig& config, Dispatcher& dispatcher, Hub& hub)
    : io_(io),
      config_(config),
      dispatcher_(dispatcher),
      hub_(hub),
      acceptor_(io),
      grace_(io),
      backoff_(io) {}

Status ListenUnix(asio::local::stream_protocol::acceptor& acceptor, const std::string& socket) {
  namespace fs = std::filesystem;
  const fs::path path(socket);
  std::error_code ec;
  ROSTER_RETURN_IF_ERROR(EnsureDirectory(path.parent_path()));
  if (fs::is_socket(fs::symlink_status(path, ec))) {
    if (SocketAnswers(socket)) {
      return Status::Unavailable("another rosterd is already serving " + socket +
                                 "; stop it first or choose another --socket");
    }
    fs::remove(path, ec);  // stale socket of a daemon that died
    LogInfo("replaced stale socket " + socket);
  }
  boost::system::error_code aec;
  acceptor.open(asio::local::stream_protocol(), aec);
  if (!aec) acceptor.bind(asio::local::stream_protocol::endpoint(socket), aec);
  if (!aec) ::chmod(socket.c_str(), 0600);
  if (!aec) acceptor.listen(asio::socket_base::max_listen_connections, aec);
  if (aec) return Status::Unavailable("cannot listen on " + socket + ": " + aec.message());
  return Status::Ok();
}

Status AdoptUnix(asio::local::stream_protocol::acceptor& acceptor, int fd,
                 const std::string& socket) {
  boost::system::error_code ec;
  acceptor.assign(asio::local::stream_protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return Status::Unavailable("cannot serve the socket systemd passed: " + ec.message());
  }
  const std::string path = acceptor.local_endpoint(ec).path();
  if (!ec && path != socket) {
    LogWarn("systemd passed a socket at " + path + " but the socket setting is " + socket +
            "; clients of the setting will not find rosterd");
  }
  return Status::Ok();
}

bool PeerIsThisUser(UnixSocket& socket) {
  ucred cred{};
  socklen_t len = sizeof cred;
  return getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
         cred.uid == geteuid();
}

Status Server::Listen() { return ListenUnix(acceptor_, config_.socket_path); }

Status Server::Adopt(int fd) { return AdoptUnix(acceptor_, fd, config_.socket_path); }

void Server::StartAccepting() { Accept(); }

void Server::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, UnixSocket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      if (!PeerIsThisUser(socket)) {
        Refuse(std::move(socket), Status::PermissionDenied("peers of another user are refused"));
      } else if (connections_.size() >= static_cast<size_t>(config_.limits.max_connections)) {
        Refuse(std::move(socket),
               Status::LimitExceeded("too many connections (max_connections " +
                                     std::to_string(config_.limits.max_connections) + ")"));
      } else {
        auto c = std::make_shared<ClientConnection>(std::move(socket), *this);
        connections_.insert(c);
        dispatcher_.set_connections(connections_.size());
        c->Start();
      }
    } else if (ec == asio::error::no_descriptors ||
               ec == boost::system::errc::too_many_files_open_in_system) {
      OutOfDescriptors(ec);
      return;
    } else {
      LogWarn("accept failed: " + ec.message());
    }
    Accept();
  });
}

void Server::OutOfDescriptors(const boost::system::error_code& ec) {
  LogWarn("accept failed: " + ec.message() + " (max_connections " +
          std::to_string(config_.limits.max_connections) + ", " +
          std::to_string(connections_.size()) + " open); refusing clients until descriptors free");
  const bool shed = spare_.ShedOne(
      acceptor_.native_handle(),
      jsonrpc::ErrorResponse(
          nullptr, Status::LimitExceeded("rosterd cannot open more files; try again later")) +
          "\n");
  // One client answered: the next may be waiting too. None: wait for
  // descriptors to be freed rather than retry in a loop.
  backoff_.expires_after(std::chrono::milliseconds(shed ? 1 : 100));
  backoff_.async_wait([this](boost::system::error_code e) {
    if (!e && !stopping_) Accept();
  });
}

void Server::Refuse(UnixSocket socket, const Status& why) {
  auto s = std::make_shared<UnixSocket>(std::move(socket));
  auto line = std::make_shared<std::string>(jsonrpc::ErrorResponse(nullptr, why) + "\n");
  asio::async_write(*s, asio::buffer(*line), [s, line](boost::system::error_code, size_t) {
    boost::system::error_code ignored;
    s->close(ignored);
  });
}

void Server::Forget(const std::shared_ptr<ClientConnection>& c) {
  connections_.erase(c);
  dispatcher_.set_connections(connections_.size());
  if (stopping_ && connections_.empty()) grace_.cancel();  // nothing left to wait for
}

void Server::Stop() {
  stopping_ = true;
  backoff_.cancel();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  hub_.CloseAll("unavailable",
                "rosterd is shutting down; resume with since=<last rev> when it is back");
  auto conns = connections_;
  for (auto& c : conns) c->Shutdown();
  if (connections_.empty()) return;
  grace_.expires_after(std::chrono::milliseconds(config_.limits.shutdown_grace_ms));
  grace_.async_wait([this](boost::system::error_code ec) {
    if (!ec) DropRemaining();
  });
}

void Server::DropRemaining() {
  if (connections_.empty()) return;
  LogWarn("dropping " + std::to_string(connections_.size()) +
          " connection(s) that did not take their last replies or events within "
          "shutdown_grace_ms (" +
          std::to_string(config_.limits.shutdown_grace_ms) + " ms)");
  auto conns = connections_;
  for (auto& c : conns) c->Drop();
}

}  // namespace roster::daemon

// client.cc — blocking socket I/O with poll(2) timeouts.
#include "ctl/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace roster::ctl {

namespace json = boost::json;

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

// Non-blocking: a Unix socket connect completes at once or fails (EAGAIN when
// the listener's backlog is full, as with a daemon that stopped accepting),
// and sends never block on a daemon that stopped reading.
Result<std::unique_ptr<Client>> Client::Connect(const std::string& socket, int timeout_ms) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.size() >= sizeof addr.sun_path)
    return Status::InvalidParams("socket path too long: " + socket);
  std::memcpy(addr.sun_path, socket.c_str(), socket.size() + 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Status::Unavailable("rosterd is not running at " + socket + " (" + why +
                               "); start it with `systemctl --user start rosterd` (after "
                               "cmake --install, README: Install) or `rosterd --socket " +
                               socket + "`");
  }
  return std::unique_ptr<Client>(new Client(fd, timeout_ms));
}

Status StatusFromError(const json::value& error) {
  std::string message = "error";
  std::string reason = "internal";
  if (const auto* o = error.if_object()) {
    if (auto* m = o->if_contains("message"); m && m->is_string()) message = m->as_string();
    if (auto* d = o->if_contains("data"); d && d->is_object()) {
      if (auto* r = d->as_object().if_contains("reason"); r && r->is_string())
        reason = r->as_string();
    }
  }
  static const std::pair<const char*, Code> kCodes[] = {
      {"not_found", Code::kNotFound},           {"conflict", Code::kConflict},
      {"invalid_state", Code::kInvalidState},   {"invalid_params", Code::kInvalidParams},
      {"limit_exceeded", Code::kLimitExceeded}, {"compacted", Code::kCompacted},
      {"unavailable", Code::kUnavailable},      {"permission_denied", Code::kPermissionDenied}};
  for (const auto& [name, code] : kCodes) {
    if (reason == name) return Status(code, message);
  }
  return Status::Internal(message);
}

int Client::WaitMs(int timeout_ms) const {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  std::optional<steady_clock::time_point> end = deadline_;
  if (timeout_ms >= 0) {
    const auto t = now + milliseconds(timeout_ms);
    if (!end || t < *end) end = t;
  }
  if (!end) return -1;
  return static_cast<int>(std::max<int64_t>(duration_cast<milliseconds>(*end - now).count(), 0));
}

Status Client::Send(const std::string& line) {
  const int wait = WaitMs(timeout_ms_);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int left = wait < 0 ? -1
                          : static_cast<int>(std::max<int64_t>(
                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                    end - std::chrono::steady_clock::now())
                                    .count(),
                                0));
      pollfd p{fd_, POLLOUT, 0};
      if (left != 0 && ::poll(&p, 1, left) > 0) continue;
      return Status::Unavailable("rosterd did not read the request in time");
    }
    return Status::Unavailable("lost the connection to rosterd while sending");
  }
  return Status::Ok();
}

Result<std::optional<json::value>> Client::ReadMessage(int timeout_ms) {
  const int total = WaitMs(timeout_ms);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(total);
  size_t scanned = 0;  // bytes of buf_ known to hold no newline
  for (;;) {
    size_t nl = buf_.find('\n', scanned);
    if (nl != std::string::npos) {
      boost::system::error_code ec;
      json::value v = json::parse(std::string_view(buf_).substr(0, nl), ec);
      buf_.erase(0, nl + 1);
      if (ec) return Status::Internal("rosterd sent a line that is not JSON");
      return std::optional<json::value>(std::move(v));
    }
    scanned = buf_.size();
    if (buf_.size() > max_line_bytes_) {
      return Status::Internal("rosterd sent a line longer than " + std::to_string(max_line_bytes_) +
                              " bytes");
    }
    int wait = -1;
    if (total >= 0) {
      wait =
          static_cast<int>(std::max<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 end - std::chrono::steady_clock::now())
                                                 .count(),
                                             0));
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, wait);  // a zero wait still looks at what has arrived
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::optional<json::value>();
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return Status::Unavailable("rosterd closed the connection");
    buf_.append(chunk, static_cast<size_t>(n));
  }
}

Result<json::value> Client::AwaitResponse() {
  for (;;) {
    auto msg = ReadMessage(timeout_ms_);
    if (!msg.ok()) return msg.status();
    if (!msg->has_value()) return Status::Unavailable("rosterd did not answer in time");
    json::value v = std::move(**msg);
    if (v.is_object() && v.as_object().contains("method")) {
      notes_.push_back(std::move(v));
      continue;
    }
    return v;
  }
}

Result<json::value> Client::Call(const std::string& method, json::object params) {
  json::object req{{"jsonrpc", "2.0"}, {"id", ++next_id_}, {"method", method}};
  if (!params.empty()) req["params"] = std::move(params);
  ROSTER_RETURN_IF_ERROR(Send(json::serialize(req) + "\n"));
  auto resp = AwaitResponse();
  if (!resp.ok()) return resp.status();
  const json::object* o = resp->if_object();
  if (!o) return Status::Internal("unexpected response from rosterd");
  if (auto* e = o->if_contains("error")) return StatusFromError(*e);
  if (auto* r = o->if_contains("result")) return *r;
  return Status::Internal("response without result");
}

Result<json::value> Client::Batch(const json::array& requests) {
  ROSTER_RETURN_IF_ERROR(Send(json::serialize(requests) + "\n"));
  return AwaitResponse();
}

Status Client::Post(const json::value& message) { return Send(json::serialize(message) + "\n"); }

Result<std::optional<json::value>> Client::Next(int timeout_ms) {
  if (!notes_.empty()) {
    json::value v = std::move(notes_.front());
    notes_.pop_front();
    return std::optional<json::value>(std::move(v));
  }
  return ReadMessage(timeout_ms);
}

}  // namespace roster::ctl

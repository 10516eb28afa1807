// connection.cc — connect, send and line framing with poll(2) deadlines.
#include "client/connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/big_buffer.h"

namespace roster::client {

namespace {

// Milliseconds left until `deadline` for poll(2): -1 for never, 0 when past.
int WaitMs(Deadline deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
}

}  // namespace

Deadline After(int timeout_ms) {
  if (timeout_ms < 0) return std::nullopt;
  return Clock::now() + std::chrono::milliseconds(timeout_ms);
}

Deadline Earlier(Deadline a, Deadline b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// Without waiting, a Unix socket connect completes at once or fails (EAGAIN
// when the listener's backlog is full, as with a daemon that stopped
// accepting). The descriptor is non-blocking from then on, so sends never
// block on a daemon that stopped reading.
Result<int> ConnectUnix(const std::string& socket, WhenFull when_full) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket.size() >= sizeof addr.sun_path)
    return Status::InvalidParams("socket path too long: " + socket);
  std::memcpy(addr.sun_path, socket.c_str(), socket.size() + 1);
  const bool wait = when_full == WhenFull::kWait;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (wait ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      (wait && ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Status::Unavailable("rosterd is not running at " + socket + " (" + why +
                               "); start it with `systemctl --user start rosterd` (after "
                               "cmake --install, README: Install) or `rosterd --socket " +
                               socket + "`");
  }
  return fd;
}

Result<Connection> Connection::Open(const std::string& socket, WhenFull when_full) {
  auto fd = ConnectUnix(socket, when_full);
  if (!fd.ok()) return fd.status();
  return Connection(*fd);
}

Connection::Connection(Connection&& other) noexcept { *this = std::move(other); }

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this == &other) return *this;
  Close();
  fd_ = std::exchange(other.fd_, -1);
  eof_ = other.eof_;
  max_line_bytes_ = other.max_line_bytes_;
  buf_ = std::move(other.buf_);
  start_ = std::exchange(other.start_, 0);
  scanned_ = std::exchange(other.scanned_, 0);
  return *this;
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status Connection::Send(std::string_view bytes, Deadline deadline) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int left = WaitMs(deadline);
      pollfd p{fd_, POLLOUT, 0};
      if (left != 0 && ::poll(&p, 1, left) > 0) continue;
      return Status::Unavailable("rosterd did not read the request in time");
    }
    return Status::Unavailable("lost the connection to rosterd while sending");
  }
  return Status::Ok();
}

void Connection::Compact() {
  if (start_ == 0) return;
  buf_.erase(0, start_);
  start_ = 0;
}

Status Connection::Receive() {
  Compact();
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Status::Ok();
  if (n <= 0) {
    eof_ = true;
    return Status::Unavailable("rosterd closed the connection");
  }
  ReserveBig(&buf_, buf_.size() + static_cast<size_t>(n));
  buf_.append(chunk, static_cast<size_t>(n));
  return Status::Ok();
}

std::optional<std::string_view> Connection::TakeLine() {
  const size_t from = start_ + scanned_;
  const void* nl = std::memchr(buf_.data() + from, '\n', buf_.size() - from);
  if (!nl) {
    scanned_ = buf_.size() - start_;
    return std::nullopt;
  }
  const size_t end = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
  std::string_view line(buf_.data() + start_, end - start_);
  start_ = end + 1;
  scanned_ = 0;
  return line;
}

Result<std::optional<std::string_view>> Connection::ReadLine(Deadline deadline) {
  for (;;) {
    if (auto line = TakeLine()) return line;
    if (buf_.size() - start_ > max_line_bytes_) {
      return Status::Internal("rosterd sent a line longer than " + std::to_string(max_line_bytes_) +
                              " bytes");
    }
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, WaitMs(deadline));  // a zero wait still looks at what arrived
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::optional<std::string_view>();
    ROSTER_RETURN_IF_ERROR(Receive());
  }
}

Result<std::optional<std::string>> Connection::ReadLineCopy(Deadline deadline) {
  auto line = ReadLine(deadline);
  if (!line.ok()) return line.status();
  if (!line->has_value()) return std::optional<std::string>();
  const std::string_view view = **line;
  if (view.data() != buf_.data()) return std::optional<std::string>(std::string(view));
  // The line starts the buffer: hand the buffer over and keep only the rest.
  std::string rest = buf_.substr(start_);
  std::string out = std::move(buf_);
  out.resize(view.size());
  buf_ = std::move(rest);
  start_ = 0;
  scanned_ = 0;
  return std::optional<std::string>(std::move(out));
}

}  // namespace roster::client

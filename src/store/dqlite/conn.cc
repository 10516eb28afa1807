// conn.cc — sockets with deadlines, and message framing.
#include "store/dqlite/conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>

#include "store/dqlite/wire.h"

namespace roster::store::dqlite {
namespace {

constexpr size_t kReadBuffer = 64 << 10;

// Parses `address` into `addr`; false with the reason in *why.
bool ParseAddress(const std::string& address, sockaddr_storage* addr, socklen_t* len,
                  std::string* why) {
  std::memset(addr, 0, sizeof *addr);
  if (!address.empty() && address[0] == '@') {
    auto* un = reinterpret_cast<sockaddr_un*>(addr);
    std::string_view name = std::string_view(address).substr(1);
    if (name.empty() || name.size() > sizeof un->sun_path - 1) {
      *why = "an abstract socket name must have 1 to 107 bytes";
      return false;
    }
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    return true;
  }
  size_t colon = address.rfind(':');
  auto* in = reinterpret_cast<sockaddr_in*>(addr);
  in->sin_family = AF_INET;
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  int port_number = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || port_number > 65535) {
      port_number = -1;
      break;
    }
    port_number = port_number * 10 + (c - '0');
  }
  if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) != 1 || port.empty() || port_number <= 0 ||
      port_number > 65535) {
    *why = "expected a numeric IPv4 address and port (\"127.0.0.1:9001\") or \"@name\"";
    return false;
  }
  in->sin_port = htons(static_cast<uint16_t>(port_number));
  *len = sizeof(sockaddr_in);
  return true;
}

// Waits for `events` on `fd` until `deadline`: 1 ready, 0 timed out, -1 error.
int WaitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, INT_MAX)));
    if (rc > 0) return 1;
    if (rc < 0 && errno != EINTR) return -1;
  }
}

std::string Errno(int e) { return std::strerror(e); }

}  // namespace

Error ConnError(const std::string& address, ErrorKind kind, const CallInfo& call,
                const std::string& what, bool sent, bool closed) {
  const bool unknown = sent && call.may_write;
  std::string message = "dqlite node " + address + ", " + call.name + ": " + what;
  if (closed) message += " (connection closed)";
  if (call.may_write) {
    message += unknown ? "; the write may or may not have been applied: read it back before "
                         "retrying anything that is not idempotent"
                       : "; nothing was applied";
  }
  return Error(kind, StatusFor(kind, 0, std::move(message)), unknown, true);
}

Conn::Conn(int fd, std::string address, const ConnOptions& options)
    : fd_(fd),
      address_(std::move(address)),
      options_(options),
      tcp_(address_.empty() || address_[0] != '@'),
      in_(kReadBuffer) {}

Conn::~Conn() { Close(); }

void Conn::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<std::unique_ptr<Conn>> Conn::Dial(const std::string& address, const ConnOptions& options,
                                         Deadline deadline) {
  const CallInfo call{"connect", false};
  auto fail = [&](ErrorKind kind, const std::string& what) {
    return ConnError(address, kind, call, what, false, false);
  };
  sockaddr_storage addr;
  socklen_t len;
  std::string why;
  if (!ParseAddress(address, &addr, &len, &why)) {
    return fail(ErrorKind::kInvalidArgument, "bad dqlite address \"" + address + "\": " + why);
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorKind::kDisconnected, "socket: " + Errno(errno));
  std::unique_ptr<Conn> conn(new Conn(fd, address, options));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) {
      return fail(ErrorKind::kDisconnected, "cannot connect: " + Errno(errno));
    }
    int ready = WaitFor(fd, POLLOUT, deadline);
    if (ready == 0) return fail(ErrorKind::kTimeout, "no connection before the deadline");
    int err = 0;
    socklen_t err_len = sizeof err;
    if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
    if (err != 0) {
      return fail(ErrorKind::kDisconnected, "cannot connect: " + Errno(err));
    }
  }
  if (conn->tcp_) {
    int on = 1;
    if (options.tcp_nodelay) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    conn->ArmQuickAck();
  }
  return conn;
}

void Conn::ArmQuickAck() {
  if (!tcp_ || !options_.tcp_quickack) return;
  int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

Error Conn::Fail(ErrorKind kind, const CallInfo& call, const std::string& what, bool sent) {
  Close();
  return ConnError(address_, kind, call, what, sent, true);
}

Outcome Conn::Send(std::string_view bytes, const CallInfo& call, Deadline deadline,
                   size_t complete_after) {
  if (fd_ < 0) return Fail(ErrorKind::kDisconnected, call, "not connected", false);
  std::string joined;
  if (!handshake_sent_) {
    Encoder e;
    e.Handshake();
    joined = e.bytes();
    joined.append(bytes);
    bytes = joined;
    if (complete_after != SIZE_MAX) complete_after += kWord;  // the handshake before them
    handshake_sent_ = true;
  }
  const size_t total = bytes.size();
  auto fail = [&](ErrorKind kind, const std::string& what) {
    return Fail(kind, call, what, total - bytes.size() > complete_after);
  };
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int ready = WaitFor(fd_, POLLOUT, deadline);
      if (ready == 0) return fail(ErrorKind::kTimeout, "send timed out");
      if (ready < 0) return fail(ErrorKind::kDisconnected, "poll: " + Errno(errno));
      continue;
    }
    return fail(ErrorKind::kDisconnected, "send failed: " + Errno(errno));
  }
  return Done{};
}

size_t Conn::ReadSome(char* p, size_t cap, const CallInfo& call, Deadline deadline,
                      std::optional<Error>* err) {
  for (;;) {
    ssize_t n = ::recv(fd_, p, cap, 0);
    if (n > 0) {
      ArmQuickAck();
      return static_cast<size_t>(n);
    }
    if (n == 0) {
      err->emplace(Fail(ErrorKind::kDisconnected, call, "the node closed the connection", true));
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      err->emplace(Fail(ErrorKind::kDisconnected, call, "receive failed: " + Errno(errno), true));
      return 0;
    }
    int ready = WaitFor(fd_, POLLIN, deadline);
    if (ready == 0) {
      err->emplace(Fail(ErrorKind::kTimeout, call, "no answer before the deadline", true));
      return 0;
    }
    if (ready < 0) {
      err->emplace(Fail(ErrorKind::kDisconnected, call, "poll: " + Errno(errno), true));
      return 0;
    }
  }
}

bool Conn::Fill(size_t min, const CallInfo& call, Deadline deadline, std::optional<Error>* err) {
  if (in_end_ - in_pos_ >= min) return true;
  if (in_pos_ > 0) {  // compact: unread bytes to the front
    std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  while (in_end_ < min) {
    size_t n = ReadSome(in_.data() + in_end_, in_.size() - in_end_, call, deadline, err);
    if (n == 0) return false;
    in_end_ += n;
  }
  return true;
}

Result<Message> Conn::Recv(const CallInfo& call, Deadline deadline) {
  if (fd_ < 0) return Fail(ErrorKind::kDisconnected, call, "not connected", true);
  std::optional<Error> err;
  if (!Fill(kHeaderBytes, call, deadline, &err)) return *err;
  Decoder header(std::string_view(in_.data() + in_pos_, kHeaderBytes));
  uint64_t word = 0;
  header.U64(&word);
  const uint64_t size = (word & 0xffffffffULL) * kWord;
  Message m{
      static_cast<Response>((word >> 32) & 0xff), static_cast<uint8_t>((word >> 40) & 0xff), {}};
  if (size > options_.max_message_bytes) {
    return Fail(ErrorKind::kTooLarge, call,
                "a response of " + std::to_string(size) + " bytes is over the limit of " +
                    std::to_string(options_.max_message_bytes),
                true);
  }
  if (kHeaderBytes + size <= in_.size()) {  // small: through the read buffer
    if (!Fill(kHeaderBytes + size, call, deadline, &err)) return *err;
    const char* body = in_.data() + in_pos_ + kHeaderBytes;
    m.body.assign(body, body + size);
    in_pos_ += kHeaderBytes + size;
    return m;
  }
  // Large: what is buffered, then straight into the body, which grows as
  // bytes arrive (a lying header costs no allocation up front).
  in_pos_ += kHeaderBytes;
  size_t have = std::min<size_t>(size, in_end_ - in_pos_);
  m.body.assign(in_.data() + in_pos_, in_.data() + in_pos_ + have);
  in_pos_ += have;
  while (m.body.size() < size) {
    size_t at = m.body.size();
    size_t chunk = std::min<size_t>(size - at, std::max(kReadBuffer, at));
    m.body.resize(at + chunk);
    size_t n = ReadSome(m.body.data() + at, chunk, call, deadline, &err);
    if (n == 0) return *err;
    m.body.resize(at + n);
  }
  return m;
}

}  // namespace roster::store::dqlite

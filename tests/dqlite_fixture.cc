// dqlite_fixture.cc — the in-process cluster and the fake node of dqlite tests.
#include "dqlite_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <map>

#include "client/launcher.h"
#include "store/dqlite/protocol.h"

namespace roster::testing {

using namespace std::chrono_literals;

int FreePort() { return client::FreeLoopbackPort(); }

DqliteCluster::DqliteCluster(int n, unsigned latency_ms, const std::string& dir) : dir_(dir) {
  if (dir_.empty()) dir_ = temp_.emplace().path().string();
  for (int i = 1; i <= n; ++i) {
    dq::NodeOptions o;
    o.id = static_cast<uint64_t>(i);
    o.data_dir = dir_ + "/node" + std::to_string(i);
    o.network_latency_ms = latency_ms;
    options_.push_back(o);
    nodes_.emplace_back();
    StartNode(o.id);
  }
  if (n == 1) return;
  dq::ClientOptions co = Options("");
  co.nodes = {address(1)};
  dq::Client admin(co);
  if (auto c = admin.Connect(); !c.ok()) throw std::runtime_error(c.error().ToString());
  for (int i = 2; i <= n; ++i) {
    auto id = static_cast<uint64_t>(i);
    if (auto a = admin.Add(id, address(id)); !a.ok())
      throw std::runtime_error(a.error().ToString());
    if (auto a = admin.Assign(id, dq::Role::kVoter); !a.ok()) {
      throw std::runtime_error(a.error().ToString());
    }
  }
}

DqliteCluster::~DqliteCluster() {
  for (auto& node : nodes_) node.reset();
}

void DqliteCluster::StartNode(uint64_t id) {
  dq::NodeOptions& o = options_[id - 1];
  const bool fixed = !o.address.empty();  // a restart keeps its address
  std::string last;
  for (int attempt = 0; attempt < (fixed ? 50 : 10); ++attempt) {
    if (!fixed) o.address = "127.0.0.1:" + std::to_string(FreePort());
    auto node = dq::Node::Start(o);
    if (node.ok()) {
      nodes_[id - 1] = std::move(node).value();
      return;
    }
    last = node.status().ToString();
    if (fixed) std::this_thread::sleep_for(20ms);  // the old socket may linger a moment
  }
  throw std::runtime_error(last);
}

std::vector<std::string> DqliteCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& o : options_) out.push_back(o.address);
  return out;
}

void DqliteCluster::Stop(uint64_t id) { nodes_[id - 1].reset(); }

void DqliteCluster::Restart(uint64_t id) { StartNode(id); }

dq::ClientOptions DqliteCluster::Options(const std::string& database) const {
  dq::ClientOptions o;
  o.nodes = addresses();
  o.database = database;
  o.call_timeout = 5s;
  o.connect_timeout = 10s;
  o.attempt_timeout = 500ms;
  return o;
}

std::unique_ptr<dq::Client> DqliteCluster::Connect(const std::string& database) const {
  auto client = std::make_unique<dq::Client>(Options(database));
  if (auto c = client->Connect(); !c.ok()) throw std::runtime_error(c.error().ToString());
  return client;
}

// ---- FakeNode ----

std::string FakeNode::U64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string FakeNode::Text(std::string_view s) {
  std::string out(s);
  out.push_back('\0');
  out.resize(dq::PadToWord(out.size()), '\0');
  return out;
}

std::string FakeNode::Message(dq::Response type, std::string body, uint8_t schema) {
  body.resize(dq::PadToWord(body.size()), '\0');
  std::string header = U64(body.size() / 8);
  header[4] = static_cast<char>(type);
  header[5] = static_cast<char>(schema);
  return header + body;
}

FakeNode::FakeNode(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(stop_, O_CLOEXEC) != 0) {
    throw std::runtime_error("fake node: cannot listen");
  }
  address_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  thread_ = std::thread([this] { Serve(); });
}

FakeNode::~FakeNode() {
  ::close(stop_[1]);  // wakes every poll below
  thread_.join();
  ::close(stop_[0]);
  ::close(listen_fd_);
}

std::vector<uint8_t> FakeNode::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

namespace {

// Waits for `fd` to be readable; false when the fake node is stopping.
bool WaitReadable(int fd, int stop) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stop, POLLIN, 0}};
  while (::poll(p, 2, -1) < 0) {
  }
  return (p[1].revents == 0);
}

bool ReadExact(int fd, int stop, char* buf, size_t n) {
  while (n > 0) {
    if (!WaitReadable(fd, stop)) return false;
    ssize_t got = ::recv(fd, buf, n, 0);
    if (got <= 0) return false;
    buf += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

void FakeNode::Serve() {
  std::vector<std::thread> connections;
  while (WaitReadable(listen_fd_, stop_[0])) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections.emplace_back([this, fd] {
      ServeConnection(fd);
      ::close(fd);
    });
  }
  for (auto& t : connections) t.join();
}

std::optional<FakeNode::Reply> FakeNode::Default(uint8_t type) {
  switch (static_cast<dq::Request>(type)) {
    case dq::Request::kLeader:
      return Reply{Message(dq::Response::kServer, U64(1) + Text(address_))};
    case dq::Request::kClient:
      return Reply{Message(dq::Response::kWelcome, U64(15000))};
    case dq::Request::kOpen:
      return Reply{Message(dq::Response::kDb, U64(0))};
    case dq::Request::kPrepare:
      return Reply{Message(dq::Response::kStmt, U64(7ULL << 32) + U64(0))};
    case dq::Request::kFinalize:
      return Reply{Message(dq::Response::kEmpty, U64(0))};
    default:
      return Reply{Message(dq::Response::kFailure, U64(1) + Text("fake node: no answer scripted"))};
  }
}

void FakeNode::ServeConnection(int fd) {
  char handshake[8];
  if (!ReadExact(fd, stop_[0], handshake, 8)) return;
  for (;;) {
    char header[8];
    if (!ReadExact(fd, stop_[0], header, 8)) return;
    uint32_t words;
    std::memcpy(&words, header, 4);
    std::string body(size_t{words} * 8, '\0');
    if (body.size() > stall_above_) {
      WaitReadable(stop_[0], stop_[0]);
      return;
    }
    if (!ReadExact(fd, stop_[0], body.data(), body.size())) return;
    const auto type = static_cast<uint8_t>(header[4]);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(type);
    }
    std::optional<Reply> reply = handler_ ? handler_(type, body) : std::nullopt;
    if (!reply) reply = Default(type);
    if (!reply->bytes.empty()) ::send(fd, reply->bytes.data(), reply->bytes.size(), MSG_NOSIGNAL);
    if (reply->close) ::shutdown(fd, SHUT_WR);  // EOF after what was sent, nothing lost
    if (reply->close || reply->hang) {
      WaitReadable(stop_[0], stop_[0]);
      return;
    }
  }
}

// ---- CuttingProxy ----

namespace {

int ListenLoopback(std::string* address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen on loopback");
  }
  *address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  return fd;
}

int DialLoopback(const std::string& address) {
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The whole message at the front of `buf` (header and body), if it is there.
std::optional<std::string> TakeMessage(std::string* buf) {
  if (buf->size() < 8) return std::nullopt;
  uint32_t words;
  std::memcpy(&words, buf->data(), 4);
  const size_t size = 8 + size_t{words} * 8;
  if (buf->size() < size) return std::nullopt;
  std::string m = buf->substr(0, size);
  buf->erase(0, size);
  return m;
}

// Text at byte `at` of a message body (NUL-terminated).
std::string TextAt(const std::string& message, size_t at) {
  if (message.size() <= 8 + at) return "";
  return std::string(message.c_str() + 8 + at);
}

}  // namespace

CuttingProxy::CuttingProxy(std::string target) : target_(std::move(target)) {
  listen_fd_ = ListenLoopback(&address_);
  if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("proxy: no pipe");
  thread_ = std::thread([this] { Serve(); });
}

CuttingProxy::~CuttingProxy() {
  ::close(stop_[1]);
  thread_.join();
  ::close(stop_[0]);
  ::close(listen_fd_);
}

void CuttingProxy::CutAtAnswerTo(std::string sql) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_sql_ = std::move(sql);
  cut_before_ = false;
}

void CuttingProxy::CutBefore(std::string sql) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_sql_ = std::move(sql);
  cut_before_ = true;
}

void CuttingProxy::Serve() {
  std::vector<std::thread> relays;
  while (WaitReadable(listen_fd_, stop_[0])) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    relays.emplace_back([this, fd] { Relay(fd); });
  }
  for (auto& t : relays) t.join();
}

void CuttingProxy::Relay(int client) {
  const int node = DialLoopback(target_);
  struct Pending {
    uint8_t type;
    std::string sql;
    uint32_t stmt = 0;
  };
  std::deque<Pending> pending;
  std::map<uint32_t, std::string> prepared;  // statement id -> SQL
  std::string up, down;
  size_t handshake = 8;
  auto close_both = [&] {
    ::close(client);
    if (node >= 0) ::close(node);
  };
  if (node < 0) return close_both();
  char chunk[65536];
  for (;;) {
    pollfd p[3] = {{client, POLLIN, 0}, {node, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(p, 3, -1) < 0) continue;
    if (p[2].revents != 0) return close_both();
    if (p[0].revents != 0) {
      ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
      if (n <= 0) return close_both();
      up.append(chunk, static_cast<size_t>(n));
      const size_t skip = std::min(handshake, up.size());
      if (skip > 0 && !SendAll(node, std::string_view(up.data(), skip))) return close_both();
      up.erase(0, skip);
      handshake -= skip;
      while (auto m = TakeMessage(&up)) {  // passed on a whole message at a time
        Pending r{static_cast<uint8_t>((*m)[4]), "", 0};
        if (r.type == static_cast<uint8_t>(dq::Request::kPrepare) ||
            r.type == static_cast<uint8_t>(dq::Request::kExecSql)) {
          r.sql = TextAt(*m, 8);
        } else if (r.type == static_cast<uint8_t>(dq::Request::kExec) && m->size() >= 16) {
          std::memcpy(&r.stmt, m->data() + 12, 4);
        }
        if (r.type == static_cast<uint8_t>(dq::Request::kExec) ||
            r.type == static_cast<uint8_t>(dq::Request::kExecSql)) {
          const std::string& sql =
              r.type == static_cast<uint8_t>(dq::Request::kExec) ? prepared[r.stmt] : r.sql;
          std::lock_guard<std::mutex> lock(mu_);
          if (cut_before_ && !cut_sql_.empty() && sql == cut_sql_) {
            cut_sql_.clear();
            ++cuts_;
            return close_both();
          }
        }
        if (!SendAll(node, *m)) return close_both();
        pending.push_back(std::move(r));
      }
    }
    if (p[1].revents != 0) {
      ssize_t n = ::recv(node, chunk, sizeof chunk, 0);
      if (n <= 0) return close_both();
      down.append(chunk, static_cast<size_t>(n));
      while (auto m = TakeMessage(&down)) {
        const auto type = static_cast<dq::Response>((*m)[4]);
        bool last_part = true;
        if (type == dq::Response::kRows && m->size() >= 16) {
          uint64_t marker;
          std::memcpy(&marker, m->data() + m->size() - 8, 8);
          last_part = marker != dq::kRowsPart;
        }
        if (pending.empty() || !last_part) {
          if (!SendAll(client, *m)) return close_both();
          continue;
        }
        Pending r = std::move(pending.front());
        pending.pop_front();
        if (r.type == static_cast<uint8_t>(dq::Request::kPrepare) && type == dq::Response::kStmt &&
            m->size() >= 16) {
          uint32_t id;
          std::memcpy(&id, m->data() + 12, 4);
          prepared[id] = r.sql;
        }
        if (r.type == static_cast<uint8_t>(dq::Request::kLeader) && type == dq::Response::kServer) {
          *m = FakeNode::Message(dq::Response::kServer, m->substr(8, 8) + FakeNode::Text(address_));
        }
        const std::string& sql =
            r.type == static_cast<uint8_t>(dq::Request::kExec) ? prepared[r.stmt] : r.sql;
        bool cut = false;
        if (r.type == static_cast<uint8_t>(dq::Request::kExec) ||
            r.type == static_cast<uint8_t>(dq::Request::kExecSql)) {
          std::lock_guard<std::mutex> lock(mu_);
          if (!cut_before_ && !cut_sql_.empty() && sql == cut_sql_) {
            cut_sql_.clear();
            cut = true;
          }
        }
        if (cut) {
          ++cuts_;
          return close_both();
        }
        if (!SendAll(client, *m)) return close_both();
      }
    }
  }
}

}  // namespace roster::testing

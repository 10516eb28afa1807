// load.cc — pipelined load over Asio, watchers, percentiles.
#include "load.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

#include "client/client.h"

namespace roster::bench {

namespace json = boost::json;
using Socket = asio::local::stream_protocol::socket;

int64_t NowUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

Percentiles Summarize(std::vector<double>& s) {
  Percentiles p;
  if (s.empty()) return p;
  std::sort(s.begin(), s.end());
  auto at = [&](double q) {
    return s[std::min(s.size() - 1, static_cast<size_t>(q * static_cast<double>(s.size())))];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = s.back();
  return p;
}

namespace {

// Counts one reply line as answered or failed (the first failure is kept).
void CountReply(std::string_view line, LoadResult* result) {
  if (line.find("\"error\"") == std::string_view::npos) {
    ++result->ok;
  } else if (result->errors++ == 0) {
    result->first_error = std::string(line.substr(0, 300));
  }
}

// One connection of the load: keeps `depth` requests in flight.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(asio::io_context& io, const std::string& path, int depth, int64_t& next, int64_t total,
       const std::function<std::string(int64_t)>& make, LoadResult& result)
      : socket_(io), depth_(depth), next_(next), total_(total), make_(make), result_(result) {
    socket_.connect(asio::local::stream_protocol::endpoint(path));
  }

  void Start() {
    Fill();
    if (!sent_.empty()) Read();  // a connection left without work just closes
  }

 private:
  void Fill() {
    while (static_cast<int>(sent_.size()) < depth_ && next_ < total_) {
      out_.pending() += make_(next_++);
      out_.pending() += '\n';
      sent_.push_back(Clock::now());
    }
    out_.Flush(socket_, shared_from_this());
  }

  // Reads what has arrived and answers every complete reply line in it; then
  // tops the connection up with one write for all the replies just taken.
  void Read() {
    if (in_.size() - filled_ < kReadChunk) in_.resize(filled_ + kReadChunk);
    socket_.async_read_some(asio::buffer(in_.data() + filled_, in_.size() - filled_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (ec) return;
                              self->filled_ += n;
                              if (self->TakeLines()) return;  // done
                              self->Fill();
                              self->Read();
                            });
  }

  // Consumes every complete line in in_[0, filled_); true when all is done.
  bool TakeLines() {
    const auto now = Clock::now();
    size_t start = 0;
    while (const void* p = std::memchr(in_.data() + start, '\n', filled_ - start)) {
      const size_t nl = static_cast<size_t>(static_cast<const char*>(p) - in_.data());
      OnLine(std::string_view(in_.data() + start, nl - start), now);
      start = nl + 1;
    }
    std::memmove(in_.data(), in_.data() + start, filled_ - start);
    filled_ -= start;
    return sent_.empty() && next_ >= total_;
  }

  void OnLine(std::string_view line, Clock::time_point now) {
    if (sent_.empty()) {  // a line nobody asked for
      if (result_.errors++ == 0)
        result_.first_error = "unexpected: " + std::string(line.substr(0, 300));
      return;
    }
    CountReply(line, &result_);
    result_.latency_us.push_back(
        std::chrono::duration<double, std::micro>(now - sent_.front()).count());
    sent_.pop_front();
  }

  static constexpr size_t kReadChunk = 64 * 1024;
  Socket socket_;
  int depth_;
  int64_t& next_;
  int64_t total_;
  const std::function<std::string(int64_t)>& make_;
  LoadResult& result_;
  std::deque<Clock::time_point> sent_;
  std::string in_;
  size_t filled_ = 0;  // bytes of in_ read and not yet consumed
  OutBuffer out_;
};

// A connection of the bench's own (it crowds the daemon on purpose: a
// connect waits while the backlog is full).
client::Connection Open(const std::string& socket) {
  auto conn = client::Connection::Open(socket, client::WhenFull::kWait);
  if (!conn.ok()) throw std::runtime_error(conn.status().ToString());
  return std::move(conn).value();
}

void Send(client::Connection& conn, std::string_view bytes) {
  if (Status s = conn.Send(bytes, std::nullopt); !s.ok()) throw std::runtime_error(s.ToString());
}

// The next line, however long it takes; throws if the daemon closes.
std::string_view Line(client::Connection& conn) {
  auto line = conn.ReadLine(std::nullopt);
  if (!line.ok()) throw std::runtime_error(line.status().ToString());
  return **line;
}

}  // namespace

LoadResult RunLoad(const std::string& socket, int conns, int depth, int64_t total,
                   const std::function<std::string(int64_t)>& make) {
  asio::io_context io(1);
  LoadResult result;
  result.latency_us.reserve(static_cast<size_t>(total));
  int64_t next = 0;
  std::vector<std::shared_ptr<Conn>> all;
  for (int i = 0; i < conns; ++i) {
    all.push_back(std::make_shared<Conn>(io, socket, depth, next, total, make, result));
  }
  auto start = Clock::now();
  for (auto& c : all) c->Start();
  all.clear();
  io.run();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

namespace {

int64_t NowNs() { return Clock::now().time_since_epoch() / std::chrono::nanoseconds(1); }

// Reads `total` reply lines in order and times each from its request's send.
void ReadReplies(client::Connection& conn, int64_t total,
                 const std::vector<std::atomic<int64_t>>& sent_ns, LoadResult* result) {
  for (int64_t i = 0; i < total; ++i) {
    CountReply(Line(conn), result);
    const int64_t at = sent_ns[static_cast<size_t>(i)].load(std::memory_order_acquire);
    result->latency_us.push_back(static_cast<double>(NowNs() - at) / 1000.0);
  }
}

}  // namespace

// Open loop: requests leave on schedule whether or not earlier replies are
// in, so the offered rate does not depend on the daemon's latency; a second
// thread reads the replies (in order, one connection) and times each.
LoadResult RunPaced(const std::string& socket, double rate, int64_t total,
                    const std::function<std::string(int64_t)>& make) {
  LoadResult result;
  result.latency_us.reserve(static_cast<size_t>(total));
  client::Connection conn = Open(socket);
  std::vector<std::atomic<int64_t>> sent_ns(static_cast<size_t>(total));
  const auto start = Clock::now();
  std::exception_ptr read_error;
  std::thread reader([&] {
    try {
      ReadReplies(conn, total, sent_ns, &result);
    } catch (...) {
      read_error = std::current_exception();
    }
  });
  try {
    for (int64_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration<double>(i / rate));
      sent_ns[static_cast<size_t>(i)].store(NowNs(), std::memory_order_release);
      Send(conn, make(i) + "\n");
    }
  } catch (...) {
    ::shutdown(conn.fd(), SHUT_RDWR);  // unblocks the reader
    reader.join();
    throw;
  }
  reader.join();
  if (read_error) std::rethrow_exception(read_error);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

Watcher::Watcher(const std::string& socket, const json::object& watch_params, int connections) {
  const std::string request =
      json::serialize(client::RequestObject(1, "watch", watch_params)) + "\n";
  for (int i = 0; i < connections; ++i) {
    conns_.push_back(Open(socket));
    Send(conns_.back(), request);
  }
  // Every watch must be in place before the load starts, or its first events
  // happen before it exists (seen under a loaded CI machine).
  for (auto& conn : conns_) {
    const std::string_view reply = Line(conn);
    if (reply.find("\"result\"") == std::string_view::npos) {
      throw std::runtime_error("watch refused: " + std::string(reply));
    }
  }
  thread_ = std::thread([this] { Loop(); });
}

Watcher::~Watcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Watcher::Loop() {
  std::vector<pollfd> polled;
  for (auto& conn : conns_) {
    polled.push_back({conn.fd(), POLLIN, 0});
    Consume(conn);  // events that came with the reply
  }
  while (!stop_) {
    if (::poll(polled.data(), polled.size(), 100) <= 0) continue;
    for (size_t i = 0; i < polled.size(); ++i) {
      if (!(polled[i].revents & (POLLIN | POLLHUP))) continue;
      if (!conns_[i].Receive().ok()) {
        polled[i].fd = -1;  // closed: poll ignores negative fds
        continue;
      }
      Consume(conns_[i]);
    }
  }
}

void Watcher::Consume(client::Connection& conn) {
  const int64_t now = NowUs();
  std::vector<double> delays;
  while (auto line = conn.TakeLine()) {
    if (line->find("\"watch.event\"") == std::string_view::npos) continue;
    ++events_;
    size_t t = line->find("\"t_us\":");
    if (t != std::string_view::npos) {
      int64_t sent = std::strtoll(line->data() + t + 7, nullptr, 10);
      delays.push_back(static_cast<double>(now - sent));
    }
  }
  if (delays.empty()) return;
  std::lock_guard lock(mu_);
  delays_us_.insert(delays_us_.end(), delays.begin(), delays.end());
}

int64_t Watcher::WaitFor(int64_t count, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (events_ < count && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return events_;
}

std::vector<double> Watcher::TakeDelays() {
  std::lock_guard lock(mu_);
  return std::move(delays_us_);
}

std::string CallOnce(const std::string& socket, const std::string& line, double* ms) {
  auto start = Clock::now();
  client::Connection conn = Open(socket);
  Send(conn, line + "\n");
  auto reply = conn.ReadLineCopy(std::nullopt);
  if (!reply.ok()) throw std::runtime_error(reply.status().ToString());
  conn.Close();
  if (ms) *ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return std::move(**reply);
}

}  // namespace roster::bench

// null_server.cc — see null_server.h.
#include "null_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "load.h"

namespace roster::bench {

namespace {

using Socket = asio::local::stream_protocol::socket;
// About the size of rosterd's reply to a heartbeat.
constexpr std::string_view kReply =
    R"({"jsonrpc":"2.0","id":0,"result":{"id":"s0","status":"active","expires_at":1790000000000}})"
    "\n";

class Session;

// The second thread of kHandoff: takes the whole queue at once and hands it
// back to the io thread in one post.
class Handoff {
 public:
  explicit Handoff(asio::io_context& io) : io_(io), thread_([this] { Loop(); }) {}
  void Submit(std::shared_ptr<Session> s, size_t lines) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({std::move(s), lines});
    }
    cv_.notify_one();
  }

 private:
  struct Item {
    std::shared_ptr<Session> session;
    size_t lines;
  };
  void Loop();
  asio::io_context& io_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::thread thread_;  // runs until the process is killed
};

// One client connection: reads, counts complete lines, answers each.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Handoff* handoff) : socket_(std::move(socket)), handoff_(handoff) {}
  void Read() {
    socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](auto ec, size_t n) {
      if (ec) return;
      const size_t lines = self->CountLines(n);
      if (lines > 0 && self->handoff_ != nullptr) {
        self->handoff_->Submit(self, lines);
      } else if (lines > 0) {
        self->Reply(lines);
      }
      self->Read();
    });
  }
  // Queues one reply per line and writes them in one call.
  void Reply(size_t lines) {
    for (size_t i = 0; i < lines; ++i) out_.pending() += kReply;
    out_.Flush(socket_, shared_from_this());
  }

 private:
  size_t CountLines(size_t n) {
    size_t lines = 0;
    for (const char* p = in_;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(in_ + n - p))));) {
      ++lines;
      ++p;
    }
    return lines;  // a line split across reads counts when its end arrives
  }
  Socket socket_;
  Handoff* handoff_;
  char in_[64 * 1024];
  OutBuffer out_;
};

void Handoff::Loop() {
  for (;;) {
    std::deque<Item> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty(); });
      batch.swap(queue_);
    }
    asio::post(io_, [batch = std::move(batch)] {
      for (const auto& item : batch) item.session->Reply(item.lines);
    });
  }
}

void Accept(asio::local::stream_protocol::acceptor& acceptor, Handoff* handoff) {
  acceptor.async_accept([&acceptor, handoff](auto ec, Socket s) {
    if (ec) return;
    std::make_shared<Session>(std::move(s), handoff)->Read();
    Accept(acceptor, handoff);
  });
}

[[noreturn]] void Serve(const std::string& path, NullMode mode) {
  asio::io_context io(1);
  ::unlink(path.c_str());
  asio::local::stream_protocol::acceptor acceptor(io, {path});
  std::unique_ptr<Handoff> handoff;
  if (mode == NullMode::kHandoff) handoff = std::make_unique<Handoff>(io);
  Accept(acceptor, handoff.get());
  auto guard = asio::make_work_guard(io);
  io.run();
  _exit(0);
}

}  // namespace

pid_t StartNullServer(const std::string& socket_path, NullMode mode) {
  ::unlink(socket_path.c_str());
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive an interrupted bench
    if (getppid() != parent) _exit(1);   // it died before the line above
    try {
      Serve(socket_path, mode);
    } catch (const std::exception&) {
      _exit(1);
    }
  }
  for (int i = 0; i < 10000; ++i) {  // up to 5 s for the socket to accept
    try {
      asio::io_context io;
      Socket s(io);
      s.connect({socket_path});
      return pid;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  StopNullServer(pid);
  throw std::runtime_error("the null server did not start on " + socket_path);
}

void StopNullServer(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace roster::bench

// fake_server.h — a stand-in for rosterd on a Unix socket, for the clients'
// failure tests: Listen() (a socket that accepts and never answers, if
// nobody reads it) and GarbageServer, which answers each connection's first
// request line with the next of a list of canned (usually malformed) replies
// and keeps the lines it got.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace roster::testing {

inline int Listen(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    throw std::runtime_error("cannot listen on " + path);
  }
  return fd;
}

// A server that reads a request line and answers with the next of `answers`.
class GarbageServer {
 public:
  GarbageServer(const std::string& path, std::vector<std::string> answers)
      : fd_(Listen(path)), answers_(std::move(answers)), thread_([this] { Loop(); }) {}
  ~GarbageServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  // The request lines received so far, one per connection.
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    size_t next = 0;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string got;
      char buf[65536];
      while (got.find('\n') == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) break;
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(got.substr(0, got.find('\n')));
      }
      const std::string& answer = answers_[next++ % answers_.size()];
      ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_;
  std::vector<std::string> answers_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace roster::testing

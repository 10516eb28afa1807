// load.h — roster-bench's client side: an Asio load generator that keeps
// `depth` requests in flight on each of several Unix-socket connections and
// records each request's latency, and watchers that count feed events and
// their delivery delay. Single-threaded (one io_context); for measurement only.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/connection.h"

namespace roster::bench {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

int64_t NowUs();  // wall clock, microseconds since the epoch

struct Percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;
};
// Percentiles of `samples` (sorted in place).
Percentiles Summarize(std::vector<double>& samples);

struct LoadResult {
  double seconds = 0;
  int64_t ok = 0, errors = 0;
  std::vector<double> latency_us;
  std::string first_error;
};

// Bytes to send on one socket with at most one async_write in flight: what is
// appended while a write runs goes out, all together, in the next. `owner`
// keeps the connection (and so this buffer, its member) alive meanwhile.
class OutBuffer {
 public:
  std::string& pending() { return pending_; }
  template <typename Owner>
  void Flush(asio::local::stream_protocol::socket& socket, std::shared_ptr<Owner> owner) {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    out_.swap(pending_);
    pending_.clear();
    asio::async_write(socket, asio::buffer(out_), [this, &socket, owner](auto ec, size_t) {
      writing_ = false;
      if (!ec) Flush(socket, owner);
    });
  }

 private:
  std::string out_, pending_;
  bool writing_ = false;
};

// Sends `total` requests (request i is make(i), one JSON line without the
// newline) over `conns` connections with `depth` in flight on each.
LoadResult RunLoad(const std::string& socket, int conns, int depth, int64_t total,
                   const std::function<std::string(int64_t)>& make);

// Sends `total` requests over one connection, request i at start + i / rate
// whether or not earlier replies are in (open loop: the offered rate does not
// depend on the daemon's latency), and times each reply.
LoadResult RunPaced(const std::string& socket, double rate, int64_t total,
                    const std::function<std::string(int64_t)>& make);

// `connections` watcher connections (default one): each sends
// `watch_params`, and the constructor waits for every reply (so no event of
// a load started afterwards is missed); then one background thread polls
// them all and counts watch.event notifications; delays come from
// params.data.meta.t_us (or data.body.t_us) when present. One thread for all, so that a hundred
// watchers do not cost the two-core machine a hundred client threads.
class Watcher {
 public:
  Watcher(const std::string& socket, const boost::json::object& watch_params, int connections = 1);
  ~Watcher();
  // Waits until `count` events arrived (over all connections) or `timeout_ms`
  // passed; returns the count.
  int64_t WaitFor(int64_t count, int timeout_ms);
  int64_t events() const { return events_; }
  std::vector<double> TakeDelays();

 private:
  void Loop();
  // Counts the complete lines received on `conn`.
  void Consume(client::Connection& conn);
  std::vector<client::Connection> conns_;
  std::atomic<int64_t> events_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<double> delays_us_;
  std::thread thread_;
};

// One blocking request/response on a fresh connection; returns the response
// line and the wall time it took.
std::string CallOnce(const std::string& socket, const std::string& line, double* ms);

}  // namespace roster::bench

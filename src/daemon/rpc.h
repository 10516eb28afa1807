// rpc.h — JSON-RPC 2.0 dispatch: takes one message (or a batch), checks it
// with the codec (jsonrpc.h), routes session/team/log methods to the writer
// (writes) or the reader pool (reads), and serves watch, unwatch and status
// itself.
//
// Runs on the io thread; completions from the writer and readers are posted
// back to it. A reply callback is called at most once (never for a
// notification, i.e. a request without an id).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "daemon/config.h"
#include "daemon/readers.h"
#include "daemon/watch_set.h"
#include "daemon/writer.h"

namespace roster::daemon {

// What one client connection holds for the dispatcher.
struct ClientState {
  explicit ClientState(Hub& hub) : watches(std::make_shared<WatchSet>(hub)) {}
  // Its watches (watch, unwatch; the connection pulls their lines).
  const std::shared_ptr<WatchSet> watches;
  // A connection's requests reach the writer and the readers in the order
  // they were sent. A request with a probe (methods.h) takes its turn only
  // when the probe is done; until then the requests after it — batch
  // elements too — wait here, in order (copies of them).
  int probing = 0;
  std::deque<std::function<void()>> held;
  bool Waits() const { return probing > 0 || !held.empty(); }
};

class Dispatcher {
 public:
  // Called exactly once per Handle: with the response, or nullopt when there
  // is none (a notification, or a batch of notifications).
  // Responses travel serialized: results are serialized on the thread that
  // produced them (reader or writer), never on the io thread.
  using Reply = std::function<void(std::optional<std::string>)>;

  Dispatcher(boost::asio::io_context& io, const store::Engine& engine, Writer& writer,
             ReaderPool& readers, Hub& hub, const DaemonConfig& config);

  // Handles one parsed message: an object or a batch array.
  void Handle(const boost::json::value& message, const std::shared_ptr<LineSink>& sink,
              const std::shared_ptr<ClientState>& state, Reply reply);

  // Number of open client connections, reported by status (set by the server).
  void set_connections(size_t n) { connections_ = n; }

  // What answers cluster.status: this member's view of its cluster, as
  // serialized JSON (a cluster member's core sets it; it may block briefly
  // and runs on a reader). Unset: the file engine, not a cluster.
  using ClusterStatus = std::function<Result<std::string>()>;
  void set_cluster_status(ClusterStatus fn) { cluster_status_ = std::move(fn); }

 private:
  // Keeps a copy of `message` to run fn on after the requests held before it
  // (see ClientState::held).
  void Hold(const std::shared_ptr<ClientState>& state, const boost::json::value& message,
            std::function<void(const boost::json::value&)> fn);
  // A probe of this connection is done (its operation is queued): runs what
  // waited for it, until one of them probes in turn.
  void ProbeDone(const std::shared_ptr<ClientState>& state);
  void HandleOne(const boost::json::value& message, const std::shared_ptr<LineSink>& sink,
                 const std::shared_ptr<ClientState>& state,
                 std::function<void(std::optional<std::string>)> done);
  void Dispatch(const std::string& method, const boost::json::object& params,
                const std::shared_ptr<LineSink>& sink, const std::shared_ptr<ClientState>& state,
                std::function<void(Result<std::string>)> done);
  void Watch(const boost::json::object& params, const std::shared_ptr<LineSink>& sink,
             const std::shared_ptr<ClientState>& state,
             std::function<void(Result<std::string>)> done);
  void StartWatch(WatchFilter filter, Subscriber::Start how, int64_t since,
                  std::optional<std::string> feed_id, const std::shared_ptr<LineSink>& sink,
                  const std::shared_ptr<ClientState>& state,
                  std::function<void(Result<std::string>)> done);
  void ServeStatus(std::function<void(Result<std::string>)> done);
  // Runs `fn` on the io thread (keeps the io_context running until then).
  void Post(std::function<void()> fn);

  boost::asio::io_context& io_;
  const store::Engine& engine_;
  Writer& writer_;
  ReaderPool& readers_;
  Hub& hub_;
  const DaemonConfig& config_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  size_t connections_ = 0;
  ClusterStatus cluster_status_;
};

}  // namespace roster::daemon

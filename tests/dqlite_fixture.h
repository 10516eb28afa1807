// dqlite_fixture.h — dqlite nodes for tests: a cluster of in-process nodes on
// loopback ports with temporary data directories (node 1 bootstraps, the
// others join as voters through the client: ADD + ASSIGN), and a fake node —
// a socket that speaks just enough of the protocol to be connected to and
// then answers with whatever bytes a test crafts.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/dqlite/client.h"
#include "store/dqlite/node.h"
#include "store/dqlite/wire.h"
#include "test_util.h"

namespace roster::testing {

namespace dq = roster::store::dqlite;

// A loopback port that was free a moment ago.
int FreePort();

class DqliteCluster {
 public:
  // Starts `n` nodes (ids 1..n); `latency_ms` sets Raft's timing (an election
  // timeout of 15x, randomised up to 2x). The nodes' data goes to a
  // temporary directory removed with the cluster, or under `dir` (kept: for
  // a process that may die before its destructors run).
  explicit DqliteCluster(int n = 1, unsigned latency_ms = 20, const std::string& dir = "");
  ~DqliteCluster();

  int size() const { return static_cast<int>(options_.size()); }
  // Node `id` (1-based); null while stopped.
  dq::Node* node(uint64_t id) { return nodes_[id - 1].get(); }
  const std::string& address(uint64_t id) const { return options_[id - 1].address; }
  std::vector<std::string> addresses() const;
  void Stop(uint64_t id);     // data directory kept
  void Restart(uint64_t id);  // same id, address and data

  // Client options for `database` that know every node, with test-sized timeouts.
  dq::ClientOptions Options(const std::string& database = "test.db") const;
  // A connected client; throws if none can connect.
  std::unique_ptr<dq::Client> Connect(const std::string& database = "test.db") const;

 private:
  void StartNode(uint64_t id);
  std::optional<TempDir> temp_;  // when the caller gave no directory
  std::string dir_;
  std::vector<dq::NodeOptions> options_;
  std::vector<std::unique_ptr<dq::Node>> nodes_;
};

// A fake dqlite node on a loopback port. It answers LEADER with its own
// address, CLIENT, OPEN, PREPARE and FINALIZE as a node would (each
// connection on its own thread); every request goes to `handler` first,
// which may return a reply to send instead.
class FakeNode {
 public:
  struct Reply {
    std::string bytes;   // sent as they are
    bool close = false;  // then end the stream (the client reads EOF)
    bool hang = false;   // then never answer again (until destroyed)
  };
  // Returns nullopt to get the default answer.
  using Handler = std::function<std::optional<Reply>(uint8_t type, std::string_view body)>;

  explicit FakeNode(Handler handler);
  ~FakeNode();
  const std::string& address() const { return address_; }
  // Types of the requests received, in order.
  std::vector<uint8_t> requests();
  // A request body larger than this is never read (the fake stops reading
  // after its header), so a sender runs into its deadline mid-request.
  void StallAbove(size_t bytes) { stall_above_ = bytes; }

  // Message bytes: a header for `type` and `body` (padded to words).
  static std::string Message(dq::Response type, std::string body, uint8_t schema = 0);
  static std::string U64(uint64_t v);
  static std::string Text(std::string_view s);  // NUL and padding

 private:
  void Serve();
  void ServeConnection(int fd);
  std::optional<Reply> Default(uint8_t type);
  Handler handler_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::string address_;
  std::atomic<size_t> stall_above_{SIZE_MAX};
  std::mutex mu_;
  std::vector<uint8_t> requests_;
  std::thread thread_;
};

// A TCP proxy in front of a node that can cut a connection at the worst
// moment for a client: when the answer to a chosen statement arrives, the
// node has run it and the client never hears (both sockets close instead).
// It follows each connection message by message — a PREPARE's SQL and the
// statement id its answer gives name each later EXEC — and answers LEADER
// with its own address, so a client that looks for the leader through it
// stays on it.
class CuttingProxy {
 public:
  explicit CuttingProxy(std::string target);
  ~CuttingProxy();
  const std::string& address() const { return address_; }
  // The next answer to an EXEC of a statement prepared from exactly `sql`, or
  // to an EXEC_SQL of exactly `sql`, is where a connection is cut: the node
  // ran it, the client never hears.
  void CutAtAnswerTo(std::string sql);
  // The next such request is where a connection is cut instead: the node
  // never gets it, the client does not know.
  void CutBefore(std::string sql);
  int cuts() const { return cuts_; }

 private:
  void Serve();
  void Relay(int client);
  const std::string target_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::string address_;
  std::mutex mu_;
  std::string cut_sql_;  // armed while not empty
  bool cut_before_ = false;
  std::atomic<int> cuts_{0};
  std::thread thread_;
};

}  // namespace roster::testing

// daemon_harness.h — integration-test helpers: the real rosterd binary on a
// temporary socket and store (started by the launcher, client/launcher.h) —
// a SQLite file, or an embedded dqlite node on a free loopback port (Engine:
// the shared suite runs on both, parameterised) — and RpcClient, the tests'
// face of the client library (client/client.h): the same calls, throwing
// instead of returning a Status, and raw lines for the tests of malformed
// exchanges. Every wait is bounded, so a test never hangs.
#pragma once

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/launcher.h"
#include "test_util.h"

namespace roster::testing {

namespace json = boost::json;

// The binary under test: the build's, unless the environment names another
// (ROSTER_TEST_ROSTERD=/path/to/old/rosterd runs the suite against an older
// build, to see a test fail without the fix it covers).
inline std::string BinaryUnderTest(const char* env, const char* built) {
  const char* v = std::getenv(env);
  return v && *v ? v : built;
}

// Connects to a Unix socket (waiting while its backlog is full); -1 on
// failure.
inline int ConnectUnix(const std::string& path) {
  auto fd = client::ConnectUnix(path, client::WhenFull::kWait);
  return fd.ok() ? *fd : -1;
}

// The store engine a Daemon runs on.
enum class Engine { kFile, kDqlite };
inline const char* EngineName(Engine e) { return e == Engine::kFile ? "file" : "dqlite"; }
inline void PrintTo(Engine e, std::ostream* os) { *os << EngineName(e); }
// For INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::Values(...), EngineParamName()).
struct EngineParamName {
  std::string operator()(const ::testing::TestParamInfo<Engine>& info) const {
    return EngineName(info.param);
  }
};
#define ROSTER_BOTH_ENGINES                                                                \
  ::testing::Values(::roster::testing::Engine::kFile, ::roster::testing::Engine::kDqlite), \
      ::roster::testing::EngineParamName()

using client::FreeLoopbackPort;  // a loopback port that was free a moment ago

// Rows of a query, each column as text ("" for NULL).
using Rows = std::vector<std::vector<std::string>>;

class RpcClient {
 public:
  explicit RpcClient(const std::string& socket) {
    auto c = client::Client::Connect(socket, kTimeoutMs, client::WhenFull::kWait);
    if (!c.ok()) throw std::runtime_error("cannot connect to " + socket);
    c_ = std::move(c).value();
  }
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  void Close() { c_->connection().Close(); }

  void SendRaw(const std::string& bytes) {
    if (Status s = c_->SendRaw(bytes); !s.ok()) throw std::runtime_error(s.ToString());
  }

  // The next line, or nullopt on timeout or EOF.
  std::optional<std::string> ReadLine(int timeout_ms = kTimeoutMs) {
    auto line = c_->connection().ReadLineCopy(client::After(timeout_ms));
    return line.ok() ? *line : std::nullopt;
  }
  bool eof() const { return c_->connection().closed_by_peer(); }

  // The next message that is a response (notifications are kept for Next()).
  json::value ReadResponse(int timeout_ms = kTimeoutMs) {
    return Must(c_->AwaitResponse(timeout_ms), "no response");
  }

  // Sends a request and returns the whole response object.
  json::value Call(const std::string& method, json::object params = {}) {
    return Must(c_->Request(method, std::move(params)), method);
  }

  // The result of a call that must succeed.
  json::value Ok(const std::string& method, json::object params = {}) {
    json::value r = Call(method, std::move(params));
    if (!r.as_object().contains("result")) {
      throw std::runtime_error(method + " failed: " + json::serialize(r));
    }
    return r.at("result");
  }

  // The error reason of a call that must fail ("" if it succeeded).
  std::string Reason(const std::string& method, json::object params = {}) {
    json::value r = Call(method, std::move(params));
    if (!r.as_object().contains("error")) return "";
    return std::string(r.at("error").at("data").at("reason").as_string());
  }

  // The next notification (watch.*), or null on timeout or EOF.
  json::value Next(int timeout_ms = kTimeoutMs) {
    auto n = c_->Next(timeout_ms);
    if (!n.ok() || !n->has_value()) return nullptr;
    return std::move(**n);
  }

  int fd() const { return c_->fd(); }

 private:
  static constexpr int kTimeoutMs = 10'000;
  static json::value Must(Result<json::value> r, const std::string& what) {
    if (!r.ok()) throw std::runtime_error(what + ": " + r.status().ToString());
    return std::move(r).value();
  }
  std::unique_ptr<client::Client> c_;
};

// The real rosterd in a child process.
class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra = {}, Engine engine = Engine::kFile)
      : extra_(std::move(extra)),
        engine_(engine),
        cluster_(engine == Engine::kDqlite
                     ? "127.0.0.1:" + std::to_string(client::FreeLoopbackPorts(2))
                     : "") {}

  Engine engine() const { return engine_; }
  // dqlite: the node's address (the same across restarts) and data.
  const std::string& cluster() const { return cluster_; }
  std::string data() const { return dir_.File("dqlite"); }

  std::string socket() const { return socket_.empty() ? dir_.File("roster.sock") : socket_; }
  std::string db() const { return db_.empty() ? dir_.File("roster.db") : db_; }
  // Use another daemon's database or socket (to test the conflicts).
  void UseDb(const std::string& path) { db_ = path; }
  void UseSocket(const std::string& path) { socket_ = path; }
  std::string log() const { return dir_.File("rosterd.log"); }
  const TempDir& dir() const { return dir_; }
  pid_t pid() const { return proc_.pid(); }

  // Runs this program instead of rosterd (one that takes rosterd's flags).
  void UseBinary(const std::string& path) { binary_ = path; }
  // Sets an environment variable for the daemon's process.
  void SetEnv(const std::string& name, const std::string& value) { env_.emplace_back(name, value); }
  // Leaves --socket out, so the daemon takes its default (ROSTER_SOCKET, ...).
  void OmitSocketFlag() { socket_flag_ = false; }
  // Runs the daemon as this user (after opening its log as the test's user).
  void RunAs(uid_t uid) { run_as_ = uid; }
  // Starts the daemon with this open-file limit (RLIMIT_NOFILE).
  void SetFileLimit(rlim_t soft, rlim_t hard) { file_limit_ = rlimit{soft, hard}; }

  // Writes a JSON config file and passes it with --config.
  void Config(const json::object& cfg) {
    std::ofstream(dir_.File("config.json")) << json::serialize(cfg);
    extra_.push_back("--config");
    extra_.push_back(dir_.File("config.json"));
  }

  // Replaces the extra arguments (e.g. a restart without --join).
  void SetExtra(std::vector<std::string> extra) { extra_ = std::move(extra); }

  // Starts the daemon without waiting for its socket (a cluster member that
  // is not the primary serves none until the front does).
  void Spawn() {
    if (Status st = proc_.Spawn(Launch()); !st.ok()) throw std::runtime_error(st.ToString());
  }
  // Waits until the log holds `text` (false after `timeout_ms`, or when the
  // daemon exited).
  bool WaitLog(const std::string& text, int timeout_ms = 20'000) const;
  // Waits for the daemon to exit (see RunToExit).
  int Wait(int timeout_ms = 20'000) { return proc_.Wait(timeout_ms); }

  // Starts the daemon and waits until its socket answers `status`.
  void Start() {
    if (Status st = proc_.Spawn(Launch()); !st.ok()) throw std::runtime_error(st.ToString());
    if (Status st = proc_.WaitReady(socket()); !st.ok())
      throw std::runtime_error(st.message() + ": " + Log());
  }

  // Runs rosterd to completion (for start-up failures); returns its exit code,
  // the signal as 128 + signo if one killed it, or -1 if it was still running
  // after `timeout_ms` (then it is killed: a start that should fail must not
  // hang the test).
  int RunToExit(int timeout_ms = 20'000) {
    if (Status st = proc_.Spawn(Launch()); !st.ok()) throw std::runtime_error(st.ToString());
    return proc_.Wait(timeout_ms);
  }

  // SIGTERM and wait; returns the exit code, or -1 if it had not exited
  // after `timeout_ms` (it is then killed: a stop that hangs fails the test
  // instead of hanging it).
  int Stop(int timeout_ms = 30'000) { return proc_.Stop(timeout_ms); }

  void Kill9() { proc_.Kill(); }

  std::string Log() const {
    std::ifstream in(log());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  RpcClient Client() const { return RpcClient(socket()); }

  // The store as another program sees it, beside the daemon or after it:
  // the rows of `sql` read from the file with SQLite, or from the cluster
  // with the wire client (dqlite: the daemon must be running, its node
  // serves). Throws on an error.
  Rows Query(const std::string& sql) const;
  // Runs `sql` (statements that return no rows) outside the daemon, as
  // Query reads. Throws on an error.
  void Exec(const std::string& sql) const;
  // Runs `sql` (one statement, or a script for sqlite3) through the engine's
  // own shell, as a person would: sqlite3 with a busy timeout, or Debian's
  // `dqlite` shell on the cluster. Its exit status.
  int Shell(const std::string& sql) const;

 private:
  client::LaunchOptions Launch() const {
    client::LaunchOptions o{
        .binary = binary_.empty() ? BinaryUnderTest("ROSTER_TEST_ROSTERD", ROSTERD_PATH) : binary_,
        .args = {},
        .env = env_,
        .log = log(),
        .file_limit = file_limit_,
        .run_as = run_as_};
    if (engine_ == Engine::kDqlite) {
      o.args.insert(o.args.end(), {"--engine", "dqlite", "--cluster", cluster_, "--data", data()});
    } else {
      o.args.insert(o.args.end(), {"--db", db()});
    }
    if (socket_flag_) o.args.insert(o.args.end(), {"--socket", socket()});
    o.args.insert(o.args.end(), extra_.begin(), extra_.end());
    return o;
  }

  TempDir dir_;
  std::string binary_;
  std::string db_, socket_;
  std::vector<std::string> extra_;
  Engine engine_;
  std::string cluster_;
  std::vector<std::pair<std::string, std::string>> env_;
  bool socket_flag_ = true;
  std::optional<uid_t> run_as_;
  std::optional<rlimit> file_limit_;
  client::DaemonProcess proc_;
};

// rosterd cluster members on loopback (--engine dqlite), each a Daemon with
// its own data directory, socket and ports (its node's and its door, the
// next one) and host (member0, member1, ...: as if on machines of their
// own), sharing one secret file (0600): the first bootstraps, the others
// --join it. Every wait is bounded.
class Cluster {
 public:
  // Starts `n` members, each ready (joined) before the next starts.
  explicit Cluster(int n, std::vector<std::string> extra = {});
  ~Cluster();

  int size() const { return static_cast<int>(members_.size()); }
  Daemon& member(int i) { return *members_.at(static_cast<size_t>(i)); }
  const std::string& secret_file() const { return secret_; }

  // Adds a member joining through member 0 with `secret_file` (default the
  // cluster's) and starts it; does not wait.
  Daemon& Add(const std::string& secret_file = "");
  // Starts member `i` again (after Stop or Kill9), without --join, and waits
  // until it is ready.
  void Restart(int i);
  // The member whose core serves (its socket answers cluster.status as the
  // primary), or -1 when none does within `timeout_ms`.
  int Primary(int timeout_ms = 10'000);
  // The JSON of member `i`'s DATA/member.json.
  boost::json::value Record(int i);

 private:
  void StartMember(Daemon& d);
  TempDir dir_;
  std::string secret_;
  std::vector<std::string> extra_;
  std::vector<std::unique_ptr<Daemon>> members_;
};

}  // namespace roster::testing

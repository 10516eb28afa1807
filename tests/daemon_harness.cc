// daemon_harness.cc — the parts of the daemon harness that read the store
// from outside (SQLite for the file engine, the dqlite wire client for a
// node) or run its shell.
#include "daemon_harness.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/dqlite/client.h"
#include "store/dqlite_engine.h"

namespace roster::testing {

namespace {

namespace dq = store::dqlite;

// A client of the daemon's node.
std::unique_ptr<dq::Client> NodeClient(const std::string& cluster) {
  dq::ClientOptions o;
  o.nodes = {cluster};
  o.database = store::kDqliteDatabaseName;
  o.call_timeout = std::chrono::seconds(10);
  o.connect_timeout = std::chrono::seconds(10);
  auto client = std::make_unique<dq::Client>(o);
  if (auto c = client->Connect(); !c.ok()) throw std::runtime_error(c.error().ToString());
  return client;
}

}  // namespace

Rows Daemon::Query(const std::string& sql) const {
  Rows out;
  if (engine_ == Engine::kFile) {
    SQLite::Database file(db(), SQLite::OPEN_READWRITE, 5000);
    SQLite::Statement q(file, sql);
    while (q.executeStep()) {
      out.emplace_back();
      for (int c = 0; c < q.getColumnCount(); ++c) out.back().push_back(q.getColumn(c).getString());
    }
    return out;
  }
  auto client = NodeClient(cluster_);
  auto rows = client->QuerySql(sql);
  if (!rows.ok()) throw std::runtime_error(rows.error().ToString());
  for (dq::Row row : *rows) {
    out.emplace_back();
    for (size_t c = 0; c < row.size(); ++c) out.back().push_back(row.GetString(c));
  }
  return out;
}

void Daemon::Exec(const std::string& sql) const {
  if (engine_ == Engine::kFile) {
    SQLite::Database file(db(), SQLite::OPEN_READWRITE, 5000);
    file.exec(sql);
    return;
  }
  if (auto r = NodeClient(cluster_)->ExecSql(sql); !r.ok()) {
    throw std::runtime_error(r.error().ToString());
  }
}

int Daemon::Shell(const std::string& sql) const {
  std::vector<std::string> args =
      engine_ == Engine::kFile
          ? std::vector<std::string>{"sqlite3", "-cmd", ".timeout 5000", db(), sql}
          : std::vector<std::string>{"dqlite", "-s", cluster_, store::kDqliteDatabaseName, sql};
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace roster::testing

namespace roster::testing {

bool Daemon::WaitLog(const std::string& text, int timeout_ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

namespace {

// The line a member logs once it serves (as the primary or as a member).
constexpr const char* kMemberReady = " ready: member ";

}  // namespace

Cluster::Cluster(int n, std::vector<std::string> extra)
    : secret_(dir_.File("secret")), extra_(std::move(extra)) {
  {
    std::ofstream out(secret_);
    out << "a-cluster-secret-for-the-tests-" << ::getpid() << "\n";
  }
  ::chmod(secret_.c_str(), 0600);
  for (int i = 0; i < n; ++i) {
    if (i == 0) {
      std::vector<std::string> args{"--secret-file", secret_, "--host", "member0"};
      args.insert(args.end(), extra_.begin(), extra_.end());
      members_.push_back(std::make_unique<Daemon>(args, Engine::kDqlite));
    } else {
      Add();
    }
    StartMember(*members_.back());
  }
}

Cluster::~Cluster() {
  for (auto& m : members_) m->Stop(10'000);
}

Daemon& Cluster::Add(const std::string& secret_file) {
  std::vector<std::string> args{"--secret-file", secret_file.empty() ? secret_ : secret_file,
                                "--join",        members_.at(0)->cluster(),
                                "--host",        "member" + std::to_string(members_.size())};
  args.insert(args.end(), extra_.begin(), extra_.end());
  members_.push_back(std::make_unique<Daemon>(args, Engine::kDqlite));
  return *members_.back();
}

void Cluster::StartMember(Daemon& d) {
  d.Spawn();
  if (!d.WaitLog(kMemberReady)) throw std::runtime_error("member did not start: " + d.Log());
}

void Cluster::Restart(int i) {
  Daemon& d = member(i);
  std::vector<std::string> args{"--secret-file", secret_, "--host", "member" + std::to_string(i)};
  args.insert(args.end(), extra_.begin(), extra_.end());
  d.SetExtra(args);
  const size_t before = d.Log().size();
  d.Spawn();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (d.Log().find(kMemberReady, before) == std::string::npos) {
    if (std::chrono::steady_clock::now() > until) {
      throw std::runtime_error("member did not restart: " + d.Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Cluster::Primary(int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    for (int i = 0; i < size(); ++i) {
      auto c = client::Client::Connect(member(i).socket(), 200, client::WhenFull::kFail);
      if (!c.ok()) continue;
      auto r = (*c)->Call("cluster.status", {});
      if (r.ok() && r->at("role") == "primary") return i;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() < until);
  return -1;
}

boost::json::value Cluster::Record(int i) {
  std::ifstream in(member(i).data() + "/member.json");
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

}  // namespace roster::testing

// daemon_harness.cc — the parts of the daemon harness that read the store
// from outside (SQLite for the file engine, the dqlite wire client for a
// node) or run its shell.
#include "daemon_harness.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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

// dqlite.cc — roster-bench's `dqlite` scenario: the dqlite client against one
// in-process node on loopback (the engine's setting in #17), without rosterd.
// It times, per request: a bare round trip (SELECT 1), an INSERT inside an
// open transaction (round trip + statement, no commit), a one-row INSERT in
// autocommit (one Raft commit), a transaction of 16 INSERTs (18 calls, and
// the same 18 EXECs pipelined in one ExecBatch), and a query of
// 1,000 rows (~250 parts of ~4 KiB) — with the client's socket tuned
// (TCP_NODELAY + TCP_QUICKACK, the default) and plain, so the Nagle/delayed-
// ACK stall is measured, not assumed; --runs rounds alternate the two and
// each figure is the median of its rounds. --dir puts the node's Raft log
// elsewhere (e.g. /dev/shm, to see what the disk costs).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <functional>
#include <iostream>
#include <map>

#include "client/launcher.h"
#include "common.h"
#include "scenarios.h"
#include "store/dqlite/client.h"
#include "store/dqlite/node.h"

namespace roster::bench {
namespace {

namespace dq = roster::store::dqlite;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

[[noreturn]] void Die(const dq::Error& e) {
  std::cerr << "roster-bench dqlite: " << e.ToString() << "\n";
  std::exit(1);
}
template <typename T>
T Must(dq::Result<T> r) {
  if (!r.ok()) Die(r.error());
  return std::move(r).value();
}

// Times `n` runs of `body`; adds <name>_p50_ms.. and <name>_per_s.
void Time(json::object& r, const std::string& name, int64_t n, const std::function<void()>& body) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(n));
  auto start = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    body();
    us.push_back(Us(Clock::now() - t0));
  }
  double seconds = Us(Clock::now() - start) / 1e6;
  r[name + "_per_s"] = std::round(static_cast<double>(n) / seconds);
  AddLatency(r, name.c_str(), us);
}

json::object Measure(const std::string& address, int64_t ops, bool tuned, int64_t round) {
  dq::ClientOptions co;
  co.nodes = {address};
  co.database = (tuned ? "tuned" : "plain") + std::to_string(round) + ".db";
  co.conn.tcp_nodelay = tuned;
  co.conn.tcp_quickack = tuned;
  dq::Client c(co);
  if (auto ok = c.Connect(); !ok.ok()) Die(ok.error());
  Must(c.ExecSql("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"));
  Must(
      c.ExecSql("CREATE TABLE big (i INTEGER PRIMARY KEY, s TEXT); "
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
                "INSERT INTO big SELECT i, printf('%0100d', i) FROM n"));
  dq::Stmt one = Must(c.Prepare("SELECT 1"));
  dq::Stmt insert = Must(c.Prepare("INSERT INTO t (v) VALUES (?)"));
  dq::Stmt begin = Must(c.Prepare("BEGIN"));
  dq::Stmt commit = Must(c.Prepare("COMMIT"));
  dq::Stmt all = Must(c.Prepare("SELECT i, s FROM big"));
  const std::string value(100, 'v');
  json::object r;
  Time(r, "roundtrip", ops, [&] { Must(c.Query(one)); });
  Must(c.Exec(begin));
  Time(r, "insert_in_tx", ops, [&] { Must(c.Exec(insert, {dq::Value::Text(value)})); });
  Must(c.Exec(commit));
  Time(r, "insert_autocommit", ops, [&] { Must(c.Exec(insert, {dq::Value::Text(value)})); });
  Time(r, "tx16", std::max<int64_t>(ops / 16, 1), [&] {
    Must(c.Exec(begin));
    for (int k = 0; k < 16; ++k) Must(c.Exec(insert, {dq::Value::Text(value)}));
    Must(c.Exec(commit));
  });
  std::vector<dq::Value> params(1, dq::Value::Text(value));
  std::vector<dq::Step> steps;
  steps.push_back({&begin, {}});
  for (int k = 0; k < 16; ++k) steps.push_back({&insert, params});
  steps.push_back({&commit, {}});
  Time(r, "tx16_batch", std::max<int64_t>(ops / 16, 1), [&] {
    for (auto& step : c.ExecBatch(steps)) Must(std::move(step));
  });
  int64_t parts = 0;
  Time(r, "query1000", std::max<int64_t>(ops / 10, 1), [&] {
    dq::Rows rows = Must(c.Query(all));
    if (rows.size() != 1000) std::exit(1);
    parts = static_cast<int64_t>(rows.parts());
  });
  r["query1000_parts"] = parts;
  // Rows per second committed in 16-row transactions.
  r["tx16_rows_per_s"] = r["tx16_per_s"].to_number<double>() * 16;
  r["tx16_batch_rows_per_s"] = r["tx16_batch_per_s"].to_number<double>() * 16;
  return r;
}

}  // namespace

int DqliteScenario(Options& o) {
  const fs::path dir = (o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir)) /
                       ("roster-bench-dqlite-" + std::to_string(getpid()));
  dq::NodeOptions n;
  n.address = "127.0.0.1:" + std::to_string(client::FreeLoopbackPort());
  n.data_dir = dir.string();
  auto node = dq::Node::Start(n);
  if (!node.ok()) {
    std::cerr << "roster-bench dqlite: " << node.status().ToString() << "\n";
    return 1;
  }
  json::object r{
      {"scenario", "dqlite"}, {"ops", o.ops}, {"rounds", o.runs}, {"data_dir", dir.string()}};
  // Rounds alternate the socket modes, each on a fresh database of the same
  // node; every figure is the median over the rounds.
  std::map<std::string, std::map<std::string, std::vector<double>>> figures;
  for (int64_t round = 0; round < o.runs; ++round) {
    for (bool tuned : {true, false}) {
      for (const auto& [k, v] : Measure(n.address, o.ops, tuned, round)) {
        figures[tuned ? "tuned" : "plain"][std::string(k)].push_back(v.to_number<double>());
      }
    }
  }
  for (auto& [mode, keys] : figures) {
    json::object m;
    for (auto& [k, values] : keys) {
      std::sort(values.begin(), values.end());
      m[k] = values[values.size() / 2];
    }
    r[mode] = std::move(m);
  }
  node->reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  Report(o, r);
  return 0;
}

}  // namespace roster::bench

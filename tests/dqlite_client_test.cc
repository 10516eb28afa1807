// dqlite_client_test.cc — the dqlite client against a real in-process node:
// every value type, prepared statements, SQL text, multi-part results,
// FAILURE mapping, the one-writer rule, DUMP, and Roster's own schema and
// savepoint batches compared with a plain SQLite file.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "dqlite_fixture.h"

namespace roster::testing {
namespace {

using dq::ErrorKind;
using dq::Type;
using dq::Value;
using roster::Code;

TEST(DqliteClient, RoundTripsEveryValueType) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client
                  ->ExecSql("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n, "
                            "d DATETIME, u DATETIME, ok BOOLEAN)")
                  .ok());
  auto insert = client->Prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.error().ToString();
  EXPECT_EQ(insert->params(), 8u);
  auto select = client->Prepare("SELECT i, r, s, b, n, d, u, ok FROM t ORDER BY rowid");
  ASSERT_TRUE(select.ok());

  // Text and blob lengths 0..17 cross every padding case.
  std::vector<std::string> texts, blobs;
  for (int len = 0; len <= 17; ++len) {
    texts.push_back(std::string(static_cast<size_t>(len), static_cast<char>('a' + len)) + "é");
    std::string blob;
    for (int k = 0; k < len; ++k) blob.push_back(static_cast<char>(k * 37));  // zeros included
    blobs.push_back(blob);
  }
  const int64_t ints[] = {0, 1, -1, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max()};
  const double reals[] = {0.0, -2.5, 1e300, std::numeric_limits<double>::denorm_min(), 0.1};
  for (size_t k = 0; k < texts.size(); ++k) {
    auto r = client->Exec(
        *insert, {Value::Int(ints[k % 5]), Value::Real(reals[k % 5]), Value::Text(texts[k]),
                  Value::Blob(blobs[k]), Value::Null(), Value::Iso8601("2026-11-23 12:00:00"),
                  Value::Int(1700000000 + static_cast<int64_t>(k)), Value::Bool(k % 2 == 1)});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->rows_affected, 1);
    EXPECT_EQ(r->last_insert_id, static_cast<int64_t>(k + 1));
  }
  auto rows = client->Query(*select);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), texts.size());
  ASSERT_EQ(rows->columns(), 8u);
  EXPECT_EQ(rows->column_name(7), "ok");
  for (size_t k = 0; k < texts.size(); ++k) {
    dq::Row row = (*rows)[k];
    EXPECT_EQ(row[0], Value::Int(ints[k % 5]));
    EXPECT_EQ(row[1], Value::Real(reals[k % 5]));
    EXPECT_EQ(row[2], Value::Text(texts[k]));
    EXPECT_EQ(row[3], Value::Blob(blobs[k]));
    EXPECT_EQ(row[4].type(), Type::kNull);
    EXPECT_TRUE(row.IsNull(4));
    // Columns declared DATETIME come back as ISO-8601 text or UNIXTIME,
    // BOOLEAN as booleans.
    EXPECT_EQ(row[5], Value::Iso8601("2026-11-23 12:00:00"));
    EXPECT_EQ(row[6], Value::UnixTime(1700000000 + static_cast<int64_t>(k)));
    EXPECT_EQ(row[7], Value::Bool(k % 2 == 1));
    EXPECT_EQ(row.GetString(2), texts[k]);
    EXPECT_EQ(row.GetInt64(0), ints[k % 5]);
  }
  // dqlite 1.11 sends a NULL in a DATETIME column as an empty ISO-8601 string
  // (read back as NULL) and a NULL in a BOOLEAN column as false.
  ASSERT_TRUE(client->ExecSql("INSERT INTO t (d, ok) VALUES (NULL, NULL)").ok());
  auto nulls = client->QuerySql("SELECT d, ok FROM t WHERE i IS NULL");
  ASSERT_TRUE(nulls.ok());
  ASSERT_EQ(nulls->size(), 1u);
  EXPECT_EQ((*nulls)[0][0].type(), Type::kIso8601);
  EXPECT_TRUE((*nulls)[0].IsNull(0));
  EXPECT_EQ((*nulls)[0][1], Value::Bool(false));
}

TEST(DqliteClient, PreparedStatementRunsManyTimesWithItsExactParameters) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)").ok());
  auto put = client->Prepare("INSERT INTO kv VALUES (?1, ?2)");
  auto get = client->Prepare("SELECT v FROM kv WHERE k = ?");
  ASSERT_TRUE(put.ok() && get.ok());
  for (int i = 0; i < 50; ++i) {
    std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(client->Exec(*put, {Value::Text(key), Value::Int(i * i)}).ok());
  }
  auto row = client->Query(*get, {Value::Text("k7")});
  ASSERT_TRUE(row.ok());
  ASSERT_EQ(row->size(), 1u);
  EXPECT_EQ((*row)[0].GetInt64(0), 49);

  // Refused before anything is sent: a wrong count (a 1.11 node never clears
  // bindings, so a missing one would reuse the last call's), text with a
  // NUL, a UNIXTIME, another client's statement.
  auto too_few = client->Exec(*put, {Value::Text("x")});
  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(too_few.error().status().code(), Code::kInvalidParams);
  EXPECT_NE(too_few.error().status().message().find("takes 2 parameters; 1 given"),
            std::string::npos);
  auto nul = client->Exec(*put, {Value::Text(std::string("a\0b", 3)), Value::Int(1)});
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.error().status().message().find("NUL"), std::string::npos);
  auto unixtime = client->Exec(*put, {Value::Text("u"), Value::UnixTime(1)});
  ASSERT_FALSE(unixtime.ok());
  EXPECT_EQ(unixtime.error().kind(), ErrorKind::kInvalidArgument);
  auto other = cluster.Connect();
  auto foreign = other->Exec(*put, {Value::Text("y"), Value::Int(1)});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().kind(), ErrorKind::kInvalidArgument);
  // A blob may hold NULs.
  EXPECT_TRUE(client->Exec(*put, {Value::Blob(std::string("a\0b", 3)), Value::Int(2)}).ok());
  EXPECT_EQ((*client->QuerySql("SELECT count(*) FROM kv"))[0].GetInt64(0), 51);
}

TEST(DqliteClient, ExecSqlRunsEveryStatementQuerySqlOnlyTheFirst) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE a (x)").ok());
  auto r = client->ExecSql(
      "INSERT INTO a VALUES (?); INSERT INTO a VALUES (2); "
      "INSERT INTO a VALUES (3)",
      {Value::Int(1)});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->last_insert_id, 3);
  auto rows = client->QuerySql("SELECT sum(x) FROM a; SELECT 99");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].GetInt64(0), 6);
  EXPECT_EQ(rows->column_name(0), "sum(x)");
}

TEST(DqliteClient, ABatchOfExecsHasAResultPerStep) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE b (k INTEGER PRIMARY KEY)").ok());
  auto begin = client->Prepare("BEGIN");
  auto insert = client->Prepare("INSERT INTO b VALUES (?)");
  auto commit = client->Prepare("COMMIT");
  ASSERT_TRUE(begin.ok() && insert.ok() && commit.ok());
  std::vector<std::vector<Value>> keys;
  for (int k = 1; k <= 16; ++k) keys.push_back({Value::Int(k == 9 ? 8 : k)});  // 9 repeats 8
  std::vector<dq::Step> steps{{&*begin, {}}};
  for (const auto& key : keys) steps.push_back({&*insert, key});
  steps.push_back({&*commit, {}});
  auto results = client->ExecBatch(steps);
  ASSERT_EQ(results.size(), 18u);
  for (size_t i = 0; i < results.size(); ++i) {
    if (i == 9) {  // the repeated key: a constraint error, the transaction goes on
      ASSERT_FALSE(results[i].ok());
      EXPECT_EQ(results[i].error().status().code(), Code::kConflict);
      EXPECT_FALSE(results[i].error().connection_dropped());
    } else {
      ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
    }
  }
  EXPECT_EQ(results[16]->last_insert_id, 16);
  EXPECT_EQ((*client->QuerySql("SELECT count(*) FROM b"))[0].GetInt64(0), 15);
  // A step with the wrong parameters stops the batch before anything is sent.
  std::vector<Value> none;
  steps[3].params = none;
  results = client->ExecBatch(steps);
  ASSERT_EQ(results.size(), 18u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(r.error().status().message().find("step 4"), std::string::npos);
  }
  EXPECT_EQ((*client->QuerySql("SELECT count(*) FROM b"))[0].GetInt64(0), 15);
}

TEST(DqliteClient, ResultsOfManyPartsArriveWhole) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client
                  ->ExecSql("CREATE TABLE big (i INTEGER PRIMARY KEY, s TEXT); "
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                            "WHERE i < 1000) INSERT INTO big SELECT i, printf('%0100d', i) FROM n")
                  .ok());
  auto all = client->Prepare("SELECT i, s FROM big ORDER BY i");
  ASSERT_TRUE(all.ok());
  for (int round = 0; round < 2; ++round) {  // and the connection is in step afterwards
    auto rows = client->Query(*all);
    ASSERT_TRUE(rows.ok()) << rows.error().ToString();
    EXPECT_GT(rows->parts(), 10u);  // ~4 KiB a part
    ASSERT_EQ(rows->size(), 1000u);
    for (size_t i = 0; i < rows->size(); ++i) {
      ASSERT_EQ((*rows)[i].GetInt64(0), static_cast<int64_t>(i + 1));
      ASSERT_EQ((*rows)[i].GetText(1).size(), 100u);
    }
  }
}

// dqlite sends a result's parts as separate writes and sets no TCP_NODELAY:
// each part after the first waits for the ACK of the one before, which a
// socket in Linux's delayed-ACK ("pingpong") mode holds back ~40 ms. The
// client re-arms TCP_QUICKACK after every read, so its socket stays in
// quick-ACK mode (roster-bench dqlite measures the stall both ways).
TEST(DqliteClient, TheSocketStaysInQuickAckModeAcrossCalls) {
  DqliteCluster cluster(1);
  for (bool quickack : {true, false}) {
    dq::ClientOptions o = cluster.Options();
    o.conn.tcp_quickack = quickack;
    dq::Client client(o);
    ASSERT_TRUE(client.Connect().ok());
    auto one = client.Prepare("SELECT 1");
    ASSERT_TRUE(one.ok());
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(client.Query(*one).ok());
      int on = -1;
      socklen_t len = sizeof on;
      ASSERT_EQ(getsockopt(client.fd(), IPPROTO_TCP, TCP_QUICKACK, &on, &len), 0);
      if (quickack) {
        EXPECT_EQ(on, 1) << "after call " << i;
      }
    }
    // Without re-arming, the kernel's interactive-traffic heuristic has
    // switched the socket to delayed ACKs by now.
    int on = -1;
    socklen_t len = sizeof on;
    getsockopt(client.fd(), IPPROTO_TCP, TCP_QUICKACK, &on, &len);
    EXPECT_EQ(on, quickack ? 1 : 0);
  }
}

TEST(DqliteClient, FailuresBecomeStatusesAPersonCanActOn) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client
                  ->ExecSql("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
                            "n INTEGER CHECK (n > 0)) STRICT")
                  .ok());
  ASSERT_TRUE(client->ExecSql("INSERT INTO u VALUES (1, 'a', 1)").ok());
  struct Case {
    std::string sql;
    uint64_t code;
    Code status;
    const char* says;
  } cases[] = {
      {"INSERT INTO u VALUES (2, 'a', 1)", 2067, Code::kConflict, "UNIQUE constraint failed"},
      {"INSERT INTO u VALUES (3, 'b', 0)", 275, Code::kConflict, "CHECK constraint failed"},
      {"INSERT INTO u VALUES (4, 'c', 'x')", 3091, Code::kConflict, "cannot store TEXT"},
      {"INSER INTO u VALUES (5)", 1, Code::kInternal, "syntax error"},
      {"SELECT * FROM nowhere", 1, Code::kInternal, "no such table"},
  };
  for (const auto& c : cases) {
    auto r = client->ExecSql(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    const dq::Error& e = r.error();
    EXPECT_EQ(e.kind(), ErrorKind::kSql) << c.sql;
    EXPECT_EQ(e.code(), c.code) << c.sql;
    EXPECT_EQ(e.status().code(), c.status) << c.sql;
    EXPECT_NE(e.status().message().find(c.says), std::string::npos) << e.ToString();
    EXPECT_NE(e.status().message().find(c.sql.substr(0, 10)), std::string::npos) << e.ToString();
    EXPECT_FALSE(e.outcome_unknown());
    EXPECT_FALSE(e.connection_dropped());
    EXPECT_TRUE(client->connected());
  }
  auto empty = client->Prepare("  -- nothing");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind(), ErrorKind::kSql);
  EXPECT_NE(empty.error().status().message().find("empty statement"), std::string::npos);
  // The connection still serves, and nothing of the failures was applied.
  auto count = client->QuerySql("SELECT count(*) FROM u");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ((*count)[0].GetInt64(0), 1);
}

// A 1.11 node aborts its process on a statement that writes and returns
// rows, or that touches the journal its VFS owns (sql_guard.h): the client
// refuses them unsent. The node here runs in this test's process, so a
// statement that slipped through would end the test.
TEST(DqliteClient, StatementsThatWouldKillTheNodeAreRefusedUnsent) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE t (v INTEGER)").ok());
  const std::string returning = "INSERT INTO t VALUES (1) RETURNING v";
  auto prepared = client->Prepare(returning);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(prepared.error().status().message().find("RETURNING"), std::string::npos);
  auto exec = client->ExecSql("INSERT INTO t VALUES (1); UPDATE t SET v = 2 RETURNING v");
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(exec.error().kind(), ErrorKind::kInvalidArgument);
  for (const char* sql : {"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA synchronous = FULL",
                          "PRAGMA journal_mode = DELETE", "PRAGMA page_size = 8192"}) {
    auto r = client->QuerySql(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument) << sql;
  }
  EXPECT_TRUE(client->connected());
  auto rows = client->QuerySql("SELECT count(*) FROM t");  // nothing was sent
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].GetInt64(0), 0);
  // A statement that returns rows cannot be EXECed (1.11: "another row available").
  auto select = client->ExecSql("SELECT 1");
  ASSERT_FALSE(select.ok());
  EXPECT_EQ(select.error().code(), 100u);
}

TEST(DqliteClient, ASecondWriterGetsDatabaseIsLockedAndNothingIsApplied) {
  DqliteCluster cluster(1);
  auto first = cluster.Connect();
  auto second = cluster.Connect();
  ASSERT_TRUE(first->ExecSql("CREATE TABLE w (x)").ok());
  ASSERT_TRUE(first->ExecSql("BEGIN").ok());
  ASSERT_TRUE(first->ExecSql("INSERT INTO w VALUES (1)").ok());
  auto insert = second->Prepare("INSERT INTO w VALUES (2)");
  ASSERT_TRUE(insert.ok());
  auto locked = second->Exec(*insert);
  ASSERT_FALSE(locked.ok());
  const dq::Error& e = locked.error();
  EXPECT_EQ(e.kind(), ErrorKind::kBusy);
  EXPECT_EQ(e.code() & 0xff, 5u);  // SQLITE_BUSY
  EXPECT_EQ(e.status().code(), Code::kUnavailable);
  EXPECT_NE(e.status().message().find("database is locked"), std::string::npos) << e.ToString();
  EXPECT_NE(e.status().message().find("nothing was applied"), std::string::npos);
  EXPECT_FALSE(e.outcome_unknown());
  EXPECT_FALSE(e.connection_dropped());
  ASSERT_TRUE(first->ExecSql("COMMIT").ok());
  ASSERT_TRUE(second->Exec(*insert).ok());  // the same statement, once the lock is gone
  auto rows = second->QuerySql("SELECT x FROM w ORDER BY x");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
}

TEST(DqliteClient, ADroppedClientFailsUntilItReconnectsAndItsStatementsPrepareAgain) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->ExecSql("CREATE TABLE r (x)").ok());
  auto insert = client->Prepare("INSERT INTO r VALUES (?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(client->Exec(*insert, {Value::Int(1)}).ok());
  client->Disconnect();
  auto offline = client->Exec(*insert, {Value::Int(2)});
  ASSERT_FALSE(offline.ok());
  EXPECT_EQ(offline.error().kind(), ErrorKind::kDisconnected);
  EXPECT_FALSE(offline.error().outcome_unknown());
  EXPECT_NE(offline.error().status().message().find("not connected"), std::string::npos);
  ASSERT_TRUE(client->Connect().ok());
  ASSERT_TRUE(client->Exec(*insert, {Value::Int(3)}).ok());  // re-prepared on the new connection
  auto rows = client->QuerySql("SELECT group_concat(x) FROM r");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].GetString(0), "1,3");
}

TEST(DqliteClient, LeaderAndClusterDescribeASingleNode) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect();
  EXPECT_EQ(client->leader_address(), cluster.address(1));
  EXPECT_EQ(client->leader_id(), 1u);
  auto leader = client->Leader();
  ASSERT_TRUE(leader.ok());
  EXPECT_EQ(leader->id, 1u);
  EXPECT_EQ(leader->address, cluster.address(1));
  auto nodes = client->Cluster();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].role, dq::Role::kVoter);
  // A client for membership only opens no database and says so when asked
  // for SQL.
  dq::Client admin(cluster.Options(""));
  ASSERT_TRUE(admin.Connect().ok());
  EXPECT_TRUE(admin.Cluster().ok());
  auto sql = admin.QuerySql("SELECT 1");
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(sql.error().status().message().find("opens no database"), std::string::npos);
}

TEST(DqliteClient, DumpIsADatabaseSqliteOpens) {
  DqliteCluster cluster(1);
  auto client = cluster.Connect("dump.db");
  ASSERT_TRUE(client
                  ->ExecSql("CREATE TABLE d (i INTEGER PRIMARY KEY, s TEXT); "
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                            "WHERE i < 300) INSERT INTO d SELECT i, hex(randomblob(40)) FROM n")
                  .ok());
  auto files = client->Dump();
  ASSERT_TRUE(files.ok()) << files.error().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].name, "dump.db");
  EXPECT_EQ((*files)[1].name, "dump.db-wal");
  TempDir dir;
  for (const auto& f : *files) {
    FILE* out = fopen(dir.File(f.name).c_str(), "wb");
    ASSERT_NE(out, nullptr);
    fwrite(f.data.data(), 1, f.data.size(), out);
    fclose(out);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("dump.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(s)) FROM d", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 300);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 300 * 80);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(DqliteClient, ANodeOnAnAbstractUnixSocketServesItsOwnProcess) {
  TempDir dir;
  dq::NodeOptions o;
  o.address = "@roster-dqlite-test-" + std::to_string(getpid());
  o.data_dir = dir.File("node");
  auto node = dq::Node::Start(o);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  dq::ClientOptions co;
  co.nodes = {o.address};
  co.database = "unix.db";
  dq::Client client(co);
  ASSERT_TRUE(client.Connect().ok());
  EXPECT_EQ(client.leader_address(), o.address);
  ASSERT_TRUE(client.ExecSql("CREATE TABLE t (x); INSERT INTO t VALUES (1)").ok());
  auto rows = client.QuerySql("SELECT x FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].GetInt64(0), 1);
}

}  // namespace
}  // namespace roster::testing

// dqlite_database_test.cc — the store's Database and Statement on a real
// dqlite node (store/dqlite_database.h): SQLite's statement semantics,
// savepoints that ride with the next statement, the lock wait done by
// retrying, a transaction that loses its connection, and a COMMIT whose
// answer is lost.
#include "store/dqlite_database.h"

#include <sys/socket.h>

#include <thread>

#include "dqlite_fixture.h"
#include "store/dqlite/sql_lex.h"
#include "store/migrations.h"

namespace roster::testing {
namespace {

using namespace std::chrono_literals;
using store::DbError;
using store::DqliteDatabase;
using Failure = DbError::Failure;
using dq::SqlKind;

std::unique_ptr<DqliteDatabase> Open(const std::vector<std::string>& nodes) {
  DqliteDatabase::Options o;
  o.client.nodes = nodes;
  o.client.database = "test.db";
  o.client.call_timeout = 5s;
  o.client.connect_timeout = 5s;
  o.client.attempt_timeout = 500ms;
  auto db = DqliteDatabase::Open(o);
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  return std::move(db).value();
}

// The failure of `fn`, which must throw DbError.
Failure FailureOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DbError& e) {
    return e.failure();
  }
  ADD_FAILURE() << "no DbError";
  return Failure::kOther;
}

TEST(DqliteSqlKinds, StatementsAreSplitAndNamedAsTheNodeNeedsThem) {
  using K = std::vector<SqlKind>;
  EXPECT_EQ(dq::StatementKinds("SELECT 1"), K{SqlKind::kRows});
  EXPECT_EQ(dq::StatementKinds("  -- c\n; ;"), K{});
  EXPECT_EQ(dq::StatementKinds("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a"),
            K{SqlKind::kWrite});
  EXPECT_EQ(dq::StatementKinds("WITH a(x) AS (VALUES (1)) SELECT x FROM a"), K{SqlKind::kRows});
  EXPECT_EQ(dq::StatementKinds("PRAGMA user_version; PRAGMA main.user_version = 3; "
                               "PRAGMA table_info(t)"),
            (K{SqlKind::kRows, SqlKind::kWrite, SqlKind::kRows}));
  EXPECT_EQ(dq::StatementKinds("BEGIN; BEGIN IMMEDIATE; begin exclusive transaction; COMMIT; END"),
            (K{SqlKind::kBegin, SqlKind::kBeginWrite, SqlKind::kBeginWrite, SqlKind::kCommit,
               SqlKind::kCommit}));
  EXPECT_EQ(dq::StatementKinds("SAVEPOINT a; RELEASE a; RELEASE SAVEPOINT a; ROLLBACK TO a; "
                               "ROLLBACK TRANSACTION TO SAVEPOINT a; ROLLBACK"),
            (K{SqlKind::kSavepoint, SqlKind::kRelease, SqlKind::kRelease, SqlKind::kRollbackTo,
               SqlKind::kRollbackTo, SqlKind::kRollback}));
  // A trigger's body, with its own ';' and a CASE … END, is one statement.
  EXPECT_EQ(dq::StatementKinds("CREATE TRIGGER t AFTER INSERT ON a BEGIN "
                               "UPDATE b SET x = CASE WHEN 1 THEN 2 ELSE 3 END; "
                               "DELETE FROM c; END; INSERT INTO a VALUES ('begin; end;')"),
            (K{SqlKind::kWrite, SqlKind::kWrite}));
}

class DqliteDb : public ::testing::Test {
 protected:
  DqliteCluster cluster{1};
  std::unique_ptr<DqliteDatabase> db = Open(cluster.addresses());
};

TEST_F(DqliteDb, StatementsBindStepAndConvertAsSqliteDoes) {
  db->Exec(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT) STRICT; "
      "CREATE INDEX t_s ON t (s)");
  auto insert = db->Prepare("INSERT INTO t (n, r, s) VALUES (?1, ?2, ?3)");
  insert->bind(1, int64_t{42});
  insert->bind(2, 0.5);
  insert->bind(3, std::string("forty-two"));
  EXPECT_EQ(insert->exec(), 1);
  insert->reset();
  insert->clearBindings();  // unbound parameters are NULL, not the last values
  insert->bind(1, int64_t{7});
  EXPECT_FALSE(insert->executeStep());  // a write steps once, to its end
  EXPECT_THROW(insert->bind(4, int64_t{1}), DbError);

  auto q = db->Prepare("SELECT n, r, s, id FROM t ORDER BY id");
  ASSERT_TRUE(q->executeStep());
  EXPECT_EQ(q->getColumnCount(), 4);
  EXPECT_EQ(q->getColumnName(2), "s");
  EXPECT_EQ(q->getColumn(0).getInt64(), 42);
  EXPECT_EQ(q->getColumn(0).getText(), "42");  // a number as text
  EXPECT_EQ(q->getColumn(1).getDouble(), 0.5);
  EXPECT_EQ(q->getColumn(1).getString(), "0.5");
  EXPECT_EQ(q->getColumn(2).getString(), "forty-two");
  EXPECT_EQ(q->getColumn(2).getType(), store::ColumnType::kText);
  ASSERT_TRUE(q->executeStep());
  EXPECT_EQ(q->getColumn(0).getInt(), 7);
  EXPECT_TRUE(q->getColumn(1).isNull());
  EXPECT_TRUE(q->isColumnNull(2));
  EXPECT_EQ(q->getColumn(2).getText(), "");
  EXPECT_FALSE(q->executeStep());
  EXPECT_FALSE(q->executeStep());
  q->reset();  // runs again
  ASSERT_TRUE(q->executeStep());
  EXPECT_EQ(q->getColumn(0).getInt64(), 42);

  EXPECT_EQ(FailureOf([&] { db->Prepare("SELECT 1 FROM t")->exec(); }), Failure::kOther);
  EXPECT_EQ(FailureOf([&] { db->Prepare("SELECT nope FROM t"); }), Failure::kOther);
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 2);
  EXPECT_EQ(db->QueryText("SELECT s FROM t WHERE n = 42"), "forty-two");
}

TEST_F(DqliteDb, ConstraintFailuresCarrySqlitesOwnText) {
  db->Exec("CREATE TABLE u (name TEXT UNIQUE) STRICT");
  db->Exec("INSERT INTO u VALUES ('a')");
  try {
    db->Exec("INSERT INTO u VALUES ('a')");
    FAIL() << "no error";
  } catch (const DbError& e) {
    EXPECT_EQ(e.failure(), Failure::kConstraint);
    EXPECT_STREQ(e.what(), "UNIQUE constraint failed: u.name");
    EXPECT_EQ(store::FromDbError(e).code(), Code::kConflict);
  }
}

// A request in its own savepoint pays for its own statements only: the
// savepoint statements ride with the next statement sent.
TEST_F(DqliteDb, SavepointsGoOutWithTheNextStatement) {
  db->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY) STRICT");
  auto insert = db->Prepare("INSERT INTO t VALUES (?1)");
  auto savepoint = db->Prepare("SAVEPOINT op0");
  auto release = db->Prepare("RELEASE op0");
  auto rollback_to = db->Prepare("ROLLBACK TO op0");
  // Warm: the control statements are prepared once per connection.
  db->Exec("BEGIN");
  db->Exec("COMMIT");
  db->Exec("BEGIN IMMEDIATE");
  savepoint->exec();
  rollback_to->exec();
  release->exec();
  db->Exec("COMMIT");

  const uint64_t before = db->round_trips();
  db->Exec("BEGIN IMMEDIATE");
  for (int64_t k : {1, 2, 2, 3}) {  // the second 2 fails, alone
    savepoint->exec();
    insert->reset();
    insert->bind(1, k);
    bool ok = true;
    try {
      insert->exec();
    } catch (const DbError& e) {
      EXPECT_EQ(e.failure(), Failure::kConstraint);
      ok = false;
    }
    if (!ok) rollback_to->exec();
    release->exec();
  }
  EXPECT_TRUE(db->InTransaction());
  db->Exec("COMMIT");
  EXPECT_FALSE(db->InTransaction());
  // BEGIN, four INSERTs, the last RELEASE, COMMIT: 7 (sent one by one, 15).
  EXPECT_EQ(db->round_trips() - before, 7u);
  EXPECT_EQ(db->QueryText("SELECT group_concat(k) FROM t"), "1,2,3");

  // A deferred BEGIN goes out with the first read.
  const uint64_t read_start = db->round_trips();
  db->Exec("BEGIN");
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 3);
  db->Exec("COMMIT");
  EXPECT_EQ(db->round_trips() - read_start, 3u);  // PREPARE, BEGIN+SELECT, COMMIT
}

TEST_F(DqliteDb, ABeginWaitsForAnotherWritersLockUpToTheLockWait) {
  db->Exec("CREATE TABLE t (k INTEGER) STRICT");
  auto other = cluster.Connect("test.db");  // e.g. a `dqlite` shell in a transaction
  ASSERT_TRUE(other->ExecSql("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE(other->ExecSql("INSERT INTO t VALUES (1)").ok());
  std::thread commit([&] {
    std::this_thread::sleep_for(150ms);
    EXPECT_TRUE(other->ExecSql("COMMIT").ok());
  });
  auto start = std::chrono::steady_clock::now();
  db->SetLockWait(3000);
  db->Exec("BEGIN IMMEDIATE");  // waits for the other's COMMIT
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  commit.join();
  db->Exec("INSERT INTO t VALUES (2)");
  db->Exec("COMMIT");
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 2);

  ASSERT_TRUE(other->ExecSql("BEGIN IMMEDIATE").ok());
  db->SetLockWait(100);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(FailureOf([&] { db->Exec("BEGIN IMMEDIATE"); }), Failure::kBusy);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(FailureOf([&] { db->Exec("INSERT INTO t VALUES (3)"); }), Failure::kBusy);
  db->SetLockWait(-1);
  ASSERT_TRUE(other->ExecSql("ROLLBACK").ok());
}

// The transaction died with its connection: the rest of it must fail, not
// run on a new connection in autocommit, until its owner rolls it back.
TEST_F(DqliteDb, ATransactionCutOffFromItsNodeIsLostNotFinishedInAutocommit) {
  db->Exec("CREATE TABLE t (k INTEGER) STRICT");
  auto insert = db->Prepare("INSERT INTO t VALUES (?1)");
  db->Exec("BEGIN IMMEDIATE");
  insert->bind(1, int64_t{1});
  insert->exec();
  ::shutdown(db->client().fd(), SHUT_RDWR);
  insert->reset();
  insert->bind(1, int64_t{2});
  EXPECT_EQ(FailureOf([&] { insert->exec(); }), Failure::kDisconnected);
  EXPECT_TRUE(db->InTransaction());
  insert->reset();
  insert->bind(1, int64_t{3});
  EXPECT_EQ(FailureOf([&] { insert->exec(); }), Failure::kDisconnected);
  EXPECT_EQ(FailureOf([&] { db->Exec("COMMIT"); }), Failure::kDisconnected);
  EXPECT_EQ(store::FromDbError(DbError(Failure::kDisconnected, 0, "x")).code(), Code::kUnavailable);
  db->Exec("ROLLBACK");  // ends it without a round trip
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 0);  // reconnects
  insert->reset();
  insert->bind(1, int64_t{4});
  insert->exec();  // re-prepared on the new connection
  EXPECT_EQ(db->QueryInt("SELECT sum(k) FROM t"), 4);
}

TEST(DqliteDatabase, ACommitWhoseAnswerIsLostSaysTheOutcomeIsUnknown) {
  DqliteCluster cluster(1);
  CuttingProxy proxy(cluster.address(1));
  auto db = Open({proxy.address()});
  db->Exec("CREATE TABLE t (k INTEGER) STRICT");
  db->Exec("BEGIN IMMEDIATE");
  db->Exec("SAVEPOINT op0");
  db->Exec("INSERT INTO t VALUES (1)");
  db->Exec("RELEASE op0");
  proxy.CutAtAnswerTo("COMMIT");
  try {
    db->Exec("COMMIT");
    FAIL() << "the cut answer arrived";
  } catch (const DbError& e) {
    EXPECT_EQ(e.failure(), Failure::kUnknownOutcome) << e.what();
    Status s = store::FromDbError(e);
    EXPECT_EQ(s.code(), Code::kUnavailable);
    ASSERT_EQ(s.details().size(), 1u);
    EXPECT_EQ(s.details()[0].first, "cause");
    EXPECT_EQ(std::get<std::string>(s.details()[0].second), "unknown_outcome");
  }
  EXPECT_EQ(proxy.cuts(), 1);
  EXPECT_FALSE(db->InTransaction());
  // It did commit: the node ran it, only the answer was lost.
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 1);

  // A write outside a transaction is its own commit.
  proxy.CutAtAnswerTo("INSERT INTO t VALUES (2)");
  EXPECT_EQ(FailureOf([&] { db->Exec("INSERT INTO t VALUES (2)"); }), Failure::kUnknownOutcome);
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM t"), 2);
}

TEST_F(DqliteDb, ScriptsRunWholeButTransactionControlStandsAlone) {
  db->Exec(
      "CREATE TABLE a (x INTEGER); CREATE TABLE b (n INTEGER); INSERT INTO b VALUES (0); "
      "CREATE TRIGGER a_in AFTER INSERT ON a BEGIN "
      "UPDATE b SET n = n + CASE WHEN NEW.x > 0 THEN NEW.x ELSE 0 END; END; "
      "INSERT INTO a VALUES (5)");
  EXPECT_EQ(db->QueryInt("SELECT n FROM b"), 5);
  EXPECT_EQ(FailureOf([&] { db->Exec("BEGIN; INSERT INTO a VALUES (1); COMMIT"); }),
            Failure::kOther);
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM a"), 1);
  EXPECT_EQ(FailureOf([&] { db->Exec("COMMIT"); }), Failure::kOther);  // none open
  EXPECT_EQ(FailureOf([&] { db->Exec("SAVEPOINT x"); }), Failure::kOther);
}

TEST_F(DqliteDb, MigrationsBringAnEmptyDatabaseToTheLatestSchemaOnce) {
  ASSERT_TRUE(store::Migrate(*db, "test").ok());
  EXPECT_EQ(db->QueryInt("PRAGMA user_version"), store::LatestSchemaVersion());
  EXPECT_GT(db->QueryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 10);
  ASSERT_TRUE(store::Migrate(*db, "test").ok());  // nothing left to do
  db->Exec("PRAGMA user_version = 999");
  Status newer = store::Migrate(*db, "the cluster's database");
  EXPECT_EQ(newer.code(), Code::kUnavailable);
  EXPECT_NE(newer.message().find("newer than this binary"), std::string::npos) << newer.message();
}

// A query the caller says comes next rides with the statement before it, and
// is used only while it still holds: bound the same, nothing run in between.
TEST_F(DqliteDb, APrefetchedQueryRidesWithTheStatementBeforeItWhileItHolds) {
  db->Exec(
      "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER) STRICT; "
      "INSERT INTO t VALUES (1, 10), (2, 20)");
  auto update = db->Prepare("UPDATE t SET v = v + 1 WHERE k = ?1");
  auto read = db->Prepare("SELECT v FROM t WHERE k = ?1");
  auto count = db->Prepare("SELECT count(*) FROM t");
  db->Exec("BEGIN IMMEDIATE");
  uint64_t before = db->round_trips();
  read->bind(1, int64_t{1});
  db->Prefetch(*read);
  db->Prefetch(*count);
  update->bind(1, int64_t{1});
  EXPECT_EQ(update->exec(), 1);
  read->reset();
  read->clearBindings();
  read->bind(1, int64_t{1});  // bound again, the same: still good
  ASSERT_TRUE(read->executeStep());
  EXPECT_EQ(read->getColumn(0).getInt64(), 11);  // read after the update
  ASSERT_TRUE(count->executeStep());
  EXPECT_EQ(count->getColumn(0).getInt64(), 2);
  EXPECT_EQ(db->round_trips() - before, 1u);
  EXPECT_EQ(db->prefetch_hits(), 2u);

  // Bound differently: asked afresh.
  read->reset();
  db->Prefetch(*read);
  update->reset();
  update->bind(1, int64_t{2});
  update->exec();
  read->reset();
  read->bind(1, int64_t{2});
  ASSERT_TRUE(read->executeStep());
  EXPECT_EQ(read->getColumn(0).getInt64(), 21);
  EXPECT_EQ(db->prefetch_hits(), 2u);

  // Something ran in between (a rollback to a savepoint): asked afresh, and
  // the answer reflects it.
  db->Exec("SAVEPOINT s");
  read->reset();
  read->bind(1, int64_t{1});
  db->Prefetch(*read);
  update->reset();
  update->bind(1, int64_t{1});
  update->exec();  // 12, with the prefetched read
  db->Exec("ROLLBACK TO s");
  db->Exec("RELEASE s");
  read->reset();
  ASSERT_TRUE(read->executeStep());
  EXPECT_EQ(read->getColumn(0).getInt64(), 11);
  EXPECT_EQ(db->prefetch_hits(), 2u);
  db->Exec("COMMIT");

  // A prefetched statement destroyed before the next send is forgotten.
  auto gone = db->Prepare("SELECT 1");
  db->Prefetch(*gone);
  gone.reset();
  EXPECT_EQ(db->QueryInt("SELECT v FROM t WHERE k = 2"), 21);
}

}  // namespace
}  // namespace roster::testing

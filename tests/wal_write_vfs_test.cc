// wal_write_vfs_test.cc — the WAL write-gathering VFS: a commit reaches the
// file in a few writes, is visible to other connections at once, survives
// kill -9 once acknowledged, and big or rolled-back transactions stay whole.
#include "store/wal_write_vfs.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <stdexcept>

#include "test_util.h"

namespace roster {
namespace {

using testing::TempDir;

std::unique_ptr<SQLite::Database> OpenGathering(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               5000, store::WalWriteVfsName());
  db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
  return db;
}

int64_t Count(SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM t").getInt64(); }

void InsertRows(SQLite::Database& db, int rows, int bytes) {
  SQLite::Statement ins(db, "INSERT INTO t (body) VALUES (?)");
  const std::string body(static_cast<size_t>(bytes), 'x');
  for (int i = 0; i < rows; ++i) {
    ins.bind(1, body);
    ins.exec();
    ins.reset();
  }
}

// A forked child that opens `path` through the VFS, creates table t and runs
// `body`, which reports numbers to the parent through `report`.
struct Child {
  pid_t pid;
  int reports;  // the read end of the child's reports
};
Child ForkWriter(const std::string& path,
                 const std::function<void(SQLite::Database& db, int report)>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    auto db = OpenGathering(path);
    db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
    body(*db, fds[1]);
    _exit(0);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

void Report(int fd, int64_t n) {
  if (write(fd, &n, sizeof n) != sizeof n) _exit(1);
}

// Reopens the file (recovering from the WAL): intact, and rows 1..n with no
// hole. Returns n.
int64_t RecoveredRows(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  const int64_t max_id = db.execAndGet("SELECT coalesce(max(id), 0) FROM t").getInt64();
  EXPECT_EQ(Count(db), max_id);
  return max_id;
}

TEST(WalWriteVfs, ACommitReachesTheWalInAFewWritesAndOtherConnectionsSeeItAtOnce) {
  TempDir dir;
  const std::string path = dir.File("g.db");
  auto db = OpenGathering(path);
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
  SQLite::Database observer(path, SQLite::OPEN_READONLY);  // the default VFS
  for (int round = 1; round <= 3; ++round) {
    const uint64_t before = store::WalWriteVfsWrites();
    SQLite::Transaction txn(*db);
    InsertRows(*db, 100, 1000);  // ~30 pages: ~60 writes without gathering
    txn.commit();
    const uint64_t writes = store::WalWriteVfsWrites() - before;
    EXPECT_GE(writes, 1u);
    EXPECT_LE(writes, 3u) << "round " << round;
    EXPECT_EQ(Count(observer), 100 * round);
  }
}

TEST(WalWriteVfs, ATransactionLargerThanBufferAndCacheCommitsWholeOrNotAtAll) {
  TempDir dir;
  const std::string path = dir.File("g.db");
  auto db = OpenGathering(path);
  db->exec("PRAGMA cache_size=50");  // pages spill to the WAL mid-transaction
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
  {
    SQLite::Transaction txn(*db);
    InsertRows(*db, 3000, 1500);  // ~4.5 MB
    EXPECT_EQ(Count(*db), 3000);  // reads back its own spilled pages
    txn.commit();
  }
  {
    SQLite::Transaction txn(*db);
    InsertRows(*db, 3000, 1500);
  }  // rolled back
  SQLite::Database observer(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(Count(observer), 3000);
  EXPECT_EQ(observer.execAndGet("PRAGMA integrity_check").getString(), "ok");
  db.reset();  // checkpoints and removes the WAL
  SQLite::Database reopened(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(Count(reopened), 3000);
}

// A child commits one row per transaction and reports each commit; it is
// killed with SIGKILL mid-stream. Every reported row must be there.
TEST(WalWriteVfs, EveryAcknowledgedCommitSurvivesKillNine) {
  TempDir dir;
  const std::string path = dir.File("g.db");
  Child child = ForkWriter(path, [](SQLite::Database& db, int report) {
    for (int64_t i = 1;; ++i) {
      InsertRows(db, 1, 3000);  // row i, in its own transaction
      Report(report, i);
    }
  });
  int64_t acked = 0, id = 0;
  while (acked < 2000 && read(child.reports, &id, sizeof id) == sizeof id) acked = id;
  kill(child.pid, SIGKILL);
  while (read(child.reports, &id, sizeof id) == sizeof id) acked = id;  // drain what was reported
  close(child.reports);
  waitpid(child.pid, nullptr, 0);
  ASSERT_GE(acked, 2000);
  EXPECT_GE(RecoveredRows(path), acked);
}

// The gathered frames reach the file inside the commit frame's write, so a
// write error there fails that commit. A child writes under a file-size limit
// until a commit fails; what it saw committed is exactly what is there.
TEST(WalWriteVfs, AWriteErrorAtCommitFailsThatCommitAndKeepsEveryEarlierOne) {
  TempDir dir;
  const std::string path = dir.File("g.db");
  Child child = ForkWriter(path, [](SQLite::Database& db, int report) {
    signal(SIGXFSZ, SIG_IGN);  // an oversized write fails with EFBIG instead
    const rlimit limit{2 << 20, 2 << 20};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(2);
    int64_t committed = 0;
    try {
      for (;;) {
        SQLite::Transaction txn(db);
        InsertRows(db, 20, 3000);
        txn.commit();
        committed += 20;
      }
    } catch (const SQLite::Exception&) {
      // the failed commit: report what was committed before it
    }
    Report(report, committed);
  });
  int64_t committed = -1;
  ASSERT_EQ(read(child.reports, &committed, sizeof committed),
            static_cast<ssize_t>(sizeof committed));
  close(child.reports);
  int status = 0;
  waitpid(child.pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GT(committed, 0);
  EXPECT_EQ(RecoveredRows(path), committed);
}

}  // namespace
}  // namespace roster

// cli_dqlite_test.cc — roster-backup against a dqlite-backed registry
// (dqlite://ADDRESS, store/dqlite_dump.h): a backup under write load holds
// exactly the state at its rev, verify and export read the live node, a gap
// in the node's feed is reported, and what cannot be written into a node is
// refused with a sentence.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "cli_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::Engine;
using testing::Ran;
using testing::RpcClient;
using testing::Sh;

const std::string& kBackup = testing::kRosterBackup;

// The export's rows, without its header line (which names the source).
std::string Rows(const std::string& ndjson) { return ndjson.substr(ndjson.find('\n') + 1); }

TEST(CliDqlite, BackupVerifyAndExportReadALiveDqliteRegistry) {
  Daemon d({}, Engine::kDqlite);
  d.Start();
  const std::string node = "dqlite://" + d.cluster();
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread load([&] {
    RpcClient c = d.Client();
    for (int i = 0; !stop; ++i) {
      c.Ok("session.register", {{"id", "load-" + std::to_string(i)}, {"meta", {{"i", i}}}});
      c.Ok("log.append", {{"session", "load-" + std::to_string(i)}, {"kind", "k"}, {"body", i}});
      written++;
    }
  });
  while (written < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string backup = d.dir().File("backup.db");
  Ran b = Sh(d, kBackup + " backup " + node + " " + backup);
  while (written < 400) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  load.join();
  ASSERT_EQ(b.code, 0) << b.err;
  const int64_t rev = std::stoll(b.out.substr(b.out.find("at rev ") + 7));
  ASSERT_GT(rev, 0);

  // The backup, a plain database file, holds exactly the sessions whose
  // inserts had committed at its rev.
  std::set<std::string> expected, got;
  for (const auto& row : d.Query("SELECT key FROM changes WHERE entity = 'session' AND "
                                 "op = 'insert' AND rev <= " +
                                 std::to_string(rev))) {
    expected.insert(row[0]);
  }
  SQLite::Database bak(backup);
  SQLite::Statement ids(bak, "SELECT id FROM sessions");
  while (ids.executeStep()) got.insert(ids.getColumn(0).getString());
  EXPECT_EQ(got, expected);
  EXPECT_LT(got.size(), static_cast<size_t>(written.load()));  // the load went on after it
  EXPECT_EQ(bak.execAndGet("SELECT max(rev) FROM changes").getInt64(), rev);
  EXPECT_EQ(Sh(d, kBackup + " verify " + backup).code, 0);

  // verify reads the live node.
  Ran v = Sh(d, kBackup + " verify " + node);
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("ok   integrity_check: ok"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("no gaps"), std::string::npos) << v.out;

  // An export of the node imports into a file that exports the same rows.
  Ran exported = Sh(d, kBackup + " export " + node);
  ASSERT_EQ(exported.code, 0) << exported.err;
  const std::string file = d.dir().File("export.ndjson"), copy = d.dir().File("copy.db");
  std::ofstream(file) << exported.out;
  ASSERT_EQ(Sh(d, kBackup + " import " + file + " " + copy).code, 0);
  Ran again = Sh(d, kBackup + " export " + copy);
  EXPECT_EQ(Rows(again.out), Rows(exported.out));
  EXPECT_NE(exported.out.find("\"table\":\"sessions\""), std::string::npos);

  // A gap in the node's feed is found.
  d.Exec("DELETE FROM changes WHERE rev = 3");
  Ran gap = Sh(d, kBackup + " verify " + node);
  EXPECT_EQ(gap.code, 1);
  EXPECT_NE(gap.out.find("GAPS"), std::string::npos) << gap.out;

  // Writing into a node is refused; so is a node that does not answer.
  Ran restore = Sh(d, kBackup + " restore " + backup + " " + node);
  EXPECT_EQ(restore.code, 1);
  EXPECT_NE(restore.err.find("not a dqlite node"), std::string::npos) << restore.err;
  Ran nowhere =
      Sh(d, kBackup + " verify dqlite://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()));
  EXPECT_EQ(nowhere.code, 1);
  EXPECT_NE(nowhere.err.find("cannot reach the dqlite node"), std::string::npos) << nowhere.err;
}

}  // namespace
}  // namespace roster

// cli_test.cc — rosterctl and roster-backup as users run them: the real
// binaries against a real rosterd. Output (tables and --json), exit codes,
// backup under write load, restore, and the export/import round trip. (`top`
// has its own file, top_console_test.cc.)
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "cli_harness.h"
#include "core/entities.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::Ran;
using testing::RpcClient;
using testing::Sh;
namespace bj = boost::json;

const std::string kCtl = testing::BinaryUnderTest("ROSTER_TEST_ROSTERCTL", ROSTERCTL_PATH);
const std::string kBackup = testing::BinaryUnderTest("ROSTER_TEST_BACKUP", ROSTER_BACKUP_PATH);

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    d.Config({{"cleanup_interval_ms", 100}});
    d.Start();
  }
  Ran Ctl(const std::string& args, const std::string& stdin_text = "") {
    return Sh(d, kCtl + " " + args, stdin_text);
  }
  Daemon d;
};

TEST_F(Cli, SessionCommandsPrintTablesAndExactJson) {
  Ran reg = Ctl("session register --name alpha --root /src/app --meta '{\"model\":\"opus\"}'");
  ASSERT_EQ(reg.code, 0) << reg.err;
  EXPECT_NE(reg.out.find("STATUS  NAME"), std::string::npos) << reg.out;
  EXPECT_NE(reg.out.find("alpha"), std::string::npos);
  ASSERT_EQ(Ctl("pause alpha -m 'back after lunch'").code, 0);
  Ran ls = Ctl("ls");
  EXPECT_NE(ls.out.find("paused"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("back after lunch"), std::string::npos) << ls.out;
  Ran js = Ctl("--json session get alpha");
  ASSERT_EQ(js.code, 0);
  bj::value v = bj::parse(js.out);
  EXPECT_EQ(v.at("name"), "alpha");
  EXPECT_EQ(v.at("meta").at("model"), "opus");
  EXPECT_EQ(v.at("pause").at("note"), "back after lunch");
  EXPECT_EQ(bj::parse(Ctl("--json ls").out).at("sessions").as_array().size(), 1u);
  ASSERT_EQ(Ctl("session resume alpha").code, 0);
  Ran hb = Ctl("session heartbeat alpha --status idle");
  EXPECT_NE(hb.out.find("expires in"), std::string::npos) << hb.out;
  EXPECT_EQ(Ctl("session update alpha --reason thinking").code, 0);
  EXPECT_NE(Ctl("session pauses alpha").out.find("back after lunch"), std::string::npos);
  EXPECT_EQ(Ctl("session stop alpha --reason done").code, 0);
  EXPECT_NE(Ctl("session reap").out.find("reaped 1: alpha"), std::string::npos);
  EXPECT_EQ(Ctl("session register --name beta").code, 0);
  EXPECT_EQ(Ctl("session remove beta").out, "removed\n");
}

TEST_F(Cli, ReviveByIdWithoutRootKeepsTheStoredRootAndANewIdTakesTheCurrentDirectory) {
  ASSERT_EQ(Ctl("session register --id cc-7 --root /src/app").code, 0);
  ASSERT_EQ(Ctl("session stop cc-7").code, 0);
  ASSERT_EQ(Sh(d, "env -C / " + kCtl + " session register --id cc-7").code, 0);
  bj::value s = bj::parse(Ctl("--json session get cc-7").out);
  EXPECT_EQ(s.at("status"), "active");
  EXPECT_EQ(s.at("root"), "/src/app");
  ASSERT_EQ(
      Sh(d, "env -C " + d.dir().path().string() + " " + kCtl + " session register --id new-8").code,
      0);
  EXPECT_EQ(bj::parse(Ctl("--json session get new-8").out).at("root"),
            d.dir().path().string().c_str());
}

TEST_F(Cli, ExitCodesAreDistinctAndErrorsSayWhatToDo) {
  ASSERT_EQ(Ctl("session register --name alpha").code, 0);
  Ran missing = Ctl("session get nope");
  EXPECT_EQ(missing.code, 3);
  EXPECT_NE(missing.err.find("no session"), std::string::npos);
  EXPECT_EQ(Ctl("session resume alpha").code, 4);                      // invalid_state
  EXPECT_EQ(Ctl("session register --name alpha --id other").code, 4);  // conflict
  EXPECT_EQ(Ctl("session register --meta '[1]'").code, 2);             // usage
  EXPECT_EQ(Ctl("session frobnicate").code, 2);
  EXPECT_EQ(Ctl("session list --limit -1").code, 2);  // invalid_params
  Ran down = Sh(d, kCtl + " --socket " + d.dir().File("none.sock") + " ls");
  EXPECT_EQ(down.code, 5);
  EXPECT_NE(down.err.find("is not running"), std::string::npos) << down.err;
  EXPECT_NE(down.err.find("start it"), std::string::npos);
}

TEST_F(Cli, TeamAndLogCommands) {
  ASSERT_EQ(Ctl("team up web /r dev qa --prefix x-").code, 0);
  EXPECT_NE(Ctl("ps").out.find("dev,qa"), std::string::npos);
  EXPECT_NE(Ctl("team roster /r").out.find("x-web-qa"), std::string::npos);
  EXPECT_NE(Ctl("team orphans /r web:dev").out.find("x-web-qa"), std::string::npos);
  EXPECT_EQ(
      bj::parse(Ctl("--json team orphans /r --per-agent").out).at("orphans").as_array().size(), 0u);
  EXPECT_NE(Ctl("team stale").out.find("/r"), std::string::npos);
  EXPECT_EQ(Ctl("team down /r --project web").out, "removed 1\n");
  ASSERT_EQ(Ctl("session register --name s").code, 0);
  EXPECT_EQ(Ctl("log append s note '{\"text\":\"hi\"}'").code, 0);
  EXPECT_EQ(Ctl("log append s note plain-words").code, 0);
  EXPECT_NE(Ctl("log rotate s compact").out.find("epoch 2"), std::string::npos);
  bj::value r = bj::parse(Ctl("--json log read s --epoch 1").out);
  EXPECT_EQ(r.at("entries").at(0).at("body").at("text"), "hi");
  EXPECT_EQ(r.at("entries").at(1).at("body"), "plain-words");
  EXPECT_NE(Ctl("log read s").out.find("compact"), std::string::npos);
  const int file_version =
      SQLite::Database(d.db()).execAndGet("PRAGMA user_version").getInt();  // what the daemon wrote
  EXPECT_NE(Ctl("status").out.find("schema_version: " + std::to_string(file_version)),
            std::string::npos);
}

TEST_F(Cli, WatchStreamsOneJsonEventPerLineAndResumesWithSince) {
  for (const char* n : {"a", "b", "c"})
    ASSERT_EQ(Ctl(std::string("session register --name ") + n).code, 0);
  Ran w = Sh(d, "timeout 2 " + kCtl + " watch --since 1");
  std::vector<bj::value> events;
  std::istringstream lines(w.out);
  for (std::string l; std::getline(lines, l);) events.push_back(bj::parse(l));
  ASSERT_EQ(events.size(), 2u) << w.out;
  EXPECT_EQ(events[0].at("rev"), 2);
  EXPECT_EQ(events[1].at("data").at("name"), "c");
}

// ---- roster-backup

// Every row of every table, as text, in a stable order.
// A value of the meta table ("" if absent).
std::string Meta(const std::string& path, const std::string& key) {
  SQLite::Database db(path);
  SQLite::Statement q(db, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

// Every row of every table (the feed up to max_rev); meta too unless told not.
std::string Dump(const std::string& path, int64_t max_rev = INT64_MAX, bool meta = true) {
  SQLite::Database db(path);
  std::string out;
  std::vector<std::string> tables;
  for (const Entity* e : kEntities) tables.emplace_back(e->table);
  if (meta) tables.emplace_back("meta");
  for (const std::string& t : tables) {
    SQLite::Statement q(db, "SELECT * FROM " + t + " ORDER BY 1, 2");
    while (q.executeStep()) {
      out += t;
      for (int i = 0; i < q.getColumnCount(); ++i) out += "|" + q.getColumn(i).getString();
      out += "\n";
    }
  }
  SQLite::Statement c(db, "SELECT * FROM changes WHERE rev <= ? ORDER BY rev");
  c.bind(1, max_rev);
  while (c.executeStep()) {
    for (int i = 0; i < c.getColumnCount(); ++i) out += "|" + c.getColumn(i).getString();
    out += "\n";
  }
  return out;
}

TEST_F(Cli, BackupUnderWriteLoadRestoresExactlyTheStateAtItsRev) {
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
  Ran b = Sh(d, kBackup + " backup " + d.db() + " " + backup);
  while (written < 400) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  load.join();
  ASSERT_EQ(b.code, 0) << b.err;
  const int64_t rev = std::stoll(b.out.substr(b.out.find("at rev ") + 7));
  ASSERT_GT(rev, 0);

  // The backup holds exactly the rows whose inserts had committed at its rev.
  SQLite::Database src(d.db()), bak(backup);
  std::set<std::string> expected, got;
  SQLite::Statement ins(
      src, "SELECT key FROM changes WHERE entity = 'session' AND op = 'insert' AND rev <= ?");
  ins.bind(1, rev);
  while (ins.executeStep()) expected.insert(ins.getColumn(0).getString());
  SQLite::Statement ids(bak, "SELECT id FROM sessions");
  while (ids.executeStep()) got.insert(ids.getColumn(0).getString());
  EXPECT_EQ(got, expected);
  EXPECT_LT(got.size(), static_cast<size_t>(written.load()));  // the load went on after it
  EXPECT_EQ(bak.execAndGet("SELECT max(rev) FROM changes").getInt64(), rev);

  // Restored and verified, it equals the source as of that rev.
  const std::string restored = d.dir().File("restored.db");
  Ran r = Sh(d, kBackup + " restore " + backup + " " + restored);
  ASSERT_EQ(r.code, 0) << r.err;
  Ran v = Sh(d, kBackup + " verify " + restored);
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("healthy"), std::string::npos);
  SQLite::Statement same(src,
                         "SELECT count(*) FROM sessions WHERE id IN (SELECT key FROM changes "
                         "WHERE entity = 'session' AND op = 'insert' AND rev <= ?)");
  same.bind(1, rev);
  same.executeStep();
  EXPECT_EQ(SQLite::Database(restored).execAndGet("SELECT count(*) FROM sessions").getInt64(),
            same.getColumn(0).getInt64());
  EXPECT_EQ(Dump(restored, INT64_MAX, false), Dump(backup, INT64_MAX, false));
  // ...but as a new feed incarnation, every old rev compacted.
  EXPECT_NE(Meta(restored, "feed_id"), Meta(backup, "feed_id"));
  EXPECT_GT(std::stoll(Meta(restored, "compacted_rev")), rev);
}

TEST_F(Cli, RestoreIsRefusedWhileTheDaemonOwnsTheDatabase) {
  const std::string backup = d.dir().File("b.db");
  ASSERT_EQ(Sh(d, kBackup + " backup " + d.db() + " " + backup).code, 0);
  Ran r = Sh(d, kBackup + " restore " + backup + " " + d.db());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("stop rosterd"), std::string::npos) << r.err;
  ASSERT_EQ(d.Stop(), 0);
  Ran ok = Sh(d, kBackup + " restore " + backup + " " + d.db());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(std::filesystem::exists(d.db() + ".before-restore"));
}

TEST_F(Cli, ExportImportRoundTripEqualsTheSource) {
  RpcClient c = d.Client();
  c.Ok("session.register", {{"name", "a"}, {"meta", {{"model", "opus"}, {"cost", 1.25}}}});
  c.Ok("session.register", {{"name", "b"}, {"pid", 1}});
  c.Ok("log.append", {{"session", "a"}, {"kind", "k"}, {"body", {{"text", "hé ✓"}}}});
  c.Ok("log.rotate", {{"session", "a"}, {"kind", "compact"}, {"body", nullptr}});
  c.Ok("session.pause", {{"session", "b"}, {"note", "n"}});
  c.Ok("team.up", {{"project_id", "p"}, {"root", "/r"}, {"agents", bj::array{"x", "y"}}});
  c.Ok("team.up", {{"project_id", "p"}, {"root", "/r"}, {"agents", bj::array{"y"}}});
  ASSERT_EQ(d.Stop(), 0);
  const std::string dump = d.dir().File("export.ndjson"), copy = d.dir().File("copy.db");
  Ran exported = Sh(d, kBackup + " export " + d.db());
  ASSERT_EQ(exported.code, 0) << exported.err;
  std::ofstream(dump) << exported.out;
  Ran imp = Sh(d, kBackup + " import " + dump + " " + copy);
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_EQ(Dump(copy), Dump(d.db()));
  EXPECT_EQ(SQLite::Database(copy)
                .execAndGet("SELECT seq FROM sqlite_sequence WHERE name='changes'")
                .getInt64(),
            SQLite::Database(d.db())
                .execAndGet("SELECT seq FROM sqlite_sequence WHERE name='changes'")
                .getInt64());
  // Importing again conflicts and changes nothing; --replace overwrites.
  Ran again = Sh(d, kBackup + " import " + dump + " " + copy);
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("already exist"), std::string::npos) << again.err;
  EXPECT_EQ(Dump(copy), Dump(d.db()));
  EXPECT_EQ(Sh(d, kBackup + " import --replace " + dump + " " + copy).code, 0);
  // An export from schema 2 (same tables and columns) is still accepted.
  const std::string v2 =
      std::regex_replace(exported.out, std::regex("\"schema_version\":[0-9]+"),
                         "\"schema_version\":2", std::regex_constants::format_first_only);
  ASSERT_NE(v2, exported.out);
  std::ofstream(d.dir().File("v2.ndjson")) << v2;
  Ran old = Sh(d, kBackup + " import " + d.dir().File("v2.ndjson") + " " + d.dir().File("v2.db"));
  ASSERT_EQ(old.code, 0) << old.err;
  EXPECT_EQ(Dump(d.dir().File("v2.db")), Dump(d.db()));
  // A schema-version mismatch is refused.
  std::ofstream(d.dir().File("future.ndjson"))
      << R"({"roster_export":1,"schema_version":99,"rev":0,"tables":[]})"
         "\n";
  Ran future =
      Sh(d, kBackup + " import " + d.dir().File("future.ndjson") + " " + d.dir().File("f.db"));
  EXPECT_NE(future.code, 0);
  EXPECT_NE(future.err.find("schema version mismatch"), std::string::npos) << future.err;
  // --since-rev exports the feed after a rev.
  Ran feed = Sh(d, kBackup + " export " + d.db() + " --since-rev 3");
  EXPECT_NE(feed.out.find("\"since_rev\":3"), std::string::npos);
  EXPECT_EQ(feed.out.find("\"rev\":3,"), std::string::npos);
  EXPECT_NE(feed.out.find("\"rev\":4,"), std::string::npos);
}

TEST_F(Cli, VerifyReportsAGapInTheFeed) {
  RpcClient c = d.Client();
  for (int i = 0; i < 5; ++i) c.Ok("session.register", {});
  ASSERT_EQ(d.Stop(), 0);
  EXPECT_EQ(Sh(d, kBackup + " verify " + d.db()).code, 0);
  SQLite::Database(d.db(), SQLite::OPEN_READWRITE).exec("DELETE FROM changes WHERE rev = 3");
  Ran v = Sh(d, kBackup + " verify " + d.db());
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("GAPS"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace roster

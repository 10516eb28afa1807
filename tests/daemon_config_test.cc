// daemon_config_test.cc — rosterd's command line and configuration through
// the real binary: every setting is checked against its range at start, a
// bad value, key or flag is refused with one sentence and exit status 2
// before any file is touched, and status reports the limits in force.
#include <filesystem>
#include <fstream>

#include "daemon_harness.h"

namespace roster {
namespace {

using testing::Daemon;
namespace bj = boost::json;

constexpr int kExitUsage = 2;

// What a refused start must look like: status 2, the sentence, no database.
void ExpectRefused(Daemon& d, const std::string& sentence) {
  EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
  EXPECT_NE(d.Log().find("rosterd: " + sentence), std::string::npos) << d.Log();
  EXPECT_FALSE(std::filesystem::exists(d.db())) << "a refused start created the database";
}

// max_write_batch 0 used to be accepted: the writer then took nothing from
// its queue in a tight loop, no write was answered and SIGTERM never ended it.
TEST(DaemonConfig, OutOfRangeSettingIsRefusedWithKeyValueAndRange) {
  Daemon d;
  d.Config({{"max_write_batch", 0}});
  ExpectRefused(d, "config.max_write_batch is 0; it must be an integer between 1 and 65536");
}

TEST(DaemonConfig, EverySettingIsCheckedNotJustSome) {
  for (const auto& [key, value, sentence] :
       std::vector<std::tuple<std::string, bj::value, std::string>>{
           {"reader_threads", -3,
            "config.reader_threads is -3; it must be an integer between 1 and 64"},
           {"cleanup_interval_ms", 0,
            "config.cleanup_interval_ms is 0; it must be an integer between 10 and 3600000"},
           {"max_connections", "many",
            "config.max_connections must be an integer between 1 and 1000000 (got \"many\")"},
           {"max_line_bytes", 1.5,
            "config.max_line_bytes must be an integer between 1024 and 1073741824 (got 1.5E0)"},
           {"notify_poll_ms", 0,
            "config.notify_poll_ms is 0; it must be an integer between 1 and 60000"},
           {"sync", "fast", "config.sync is \"fast\"; it must be full or normal"},
           {"compose_marker", "",
            "config.compose_marker is \"\"; it must be a string of 1 to 255 bytes"},
           {"max_subscriber", 3, "config.max_subscriber is not a known setting"},
       }) {
    Daemon d;
    d.Config({{key, value}});
    SCOPED_TRACE(key);
    ExpectRefused(d, sentence);
  }
}

TEST(DaemonConfig, DefaultTtlAboveMaxTtlIsRefused) {
  Daemon d;
  d.Config({{"default_ttl_ms", 5000}, {"max_ttl_ms", 1000}});
  ExpectRefused(d, "config.default_ttl_ms (5000) must not exceed max_ttl_ms (1000)");
}

// Bad flags exited with CLI11's internal codes (105, 109) and its wording.
TEST(DaemonConfig, BadFlagsExitWithTheUsageCode) {
  for (const auto& [args, sentence] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--sync", "sometimes"}, "--sync is \"sometimes\"; it must be full or normal"},
           {{"--log-level", "loud"},
            "--log-level is \"loud\"; it must be debug, info, warn or error"},
           {{"--frobnicate"}, "unknown argument --frobnicate"},
           {{"--config"}, "--config needs a value"},
       }) {
    Daemon d(args);
    SCOPED_TRACE(args[0]);
    ExpectRefused(d, sentence);
  }
}

TEST(DaemonConfig, StatusReportsTheLimitsInForce) {
  Daemon d;
  d.Config({{"max_write_batch", 7}, {"max_subscribers", 9}});
  d.Start();
  bj::value limits = d.Client().Ok("status").at("limits");
  EXPECT_EQ(limits.at("max_write_batch"), 7);
  EXPECT_EQ(limits.at("max_subscribers"), 9);
  EXPECT_EQ(limits.at("max_line_bytes"), 1 << 20);
}

// Nothing of the database may exist after a refused start.
void ExpectNothingCreated(const Daemon& d) {
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) {
    EXPECT_FALSE(std::filesystem::exists(d.db() + suffix)) << d.db() + suffix << " was created";
  }
}

// A socket path longer than sockaddr_un holds aborted rosterd (exit 134, an
// uncaught Boost exception) after it had opened the database, leaving its WAL.
TEST(DaemonPaths, SocketPathTooLongForAUnixSocketIsRefusedBeforeAnyFile) {
  const std::string name(150, 's');
  {
    Daemon d;
    d.UseSocket(d.dir().File(name));
    EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
    EXPECT_NE(d.Log().find("rosterd: --socket is " + std::to_string(d.socket().size()) +
                           " bytes long; it must be a string of 1 to 107 bytes"),
              std::string::npos)
        << d.Log();
    ExpectNothingCreated(d);
  }
  {  // the same path as the default, from the environment
    Daemon d;
    d.OmitSocketFlag();
    d.SetEnv("ROSTER_SOCKET", d.dir().File(name));
    EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
    EXPECT_NE(d.Log().find("bytes; a Unix socket path holds at most 107 (choose a shorter "
                           "--socket or ROSTER_SOCKET)"),
              std::string::npos)
        << d.Log();
    ExpectNothingCreated(d);
  }
}

// A regular file at the socket path was taken for a stale socket and deleted.
TEST(DaemonPaths, AFileThatIsNotASocketIsNeverReplaced) {
  Daemon d;
  std::ofstream(d.socket()) << "precious";
  EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
  EXPECT_NE(d.Log().find("the socket path " + d.socket() +
                         " exists and is not a socket; rosterd will not replace it"),
            std::string::npos)
      << d.Log();
  std::ifstream in(d.socket());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  ExpectNothingCreated(d);
}

TEST(DaemonPaths, DatabasePathThatIsADirectoryOrUnderAFileIsRefused) {
  {
    Daemon d;
    std::filesystem::create_directory(d.db());
    EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
    EXPECT_NE(d.Log().find("the database path " + d.db() + " is a directory"), std::string::npos)
        << d.Log();
  }
  {
    Daemon d;
    std::ofstream(d.dir().File("plain")) << "x";
    d.UseDb(d.dir().File("plain/roster.db"));
    EXPECT_EQ(d.RunToExit(), kExitUsage) << d.Log();
    EXPECT_NE(d.Log().find(d.dir().File("plain") + " is not a directory"), std::string::npos)
        << d.Log();
  }
}

// `rosterd --db OTHER` on the socket of a live daemon created and initialised
// OTHER (and its lock and WAL) before it found the socket taken.
TEST(DaemonPaths, SecondDaemonOnALiveSocketCreatesNothing) {
  Daemon first;
  first.Start();
  Daemon second;
  second.UseSocket(first.socket());
  second.UseDb(second.dir().File("sub/other.db"));
  EXPECT_EQ(second.RunToExit(), 1) << second.Log();
  EXPECT_NE(second.Log().find("another rosterd is already serving " + first.socket()),
            std::string::npos)
      << second.Log();
  ExpectNothingCreated(second);
  EXPECT_FALSE(std::filesystem::exists(second.dir().File("sub")));
  EXPECT_EQ(first.Client().Ok("status").at("sync"), "full");
}

// A directory rosterd may not create was reported as "No such file or
// directory" for the lock file; the real failure is the mkdir's, with its path.
TEST(DaemonPaths, UncreatableDirectoryReportsTheRealErrorWithThePath) {
  constexpr uid_t kNobody = 65534;
  Daemon d;
  std::filesystem::permissions(d.dir().path(), std::filesystem::perms::all);  // the socket's dir
  const std::string locked = d.dir().File("locked");
  std::filesystem::create_directory(locked);  // root's, 0755: nobody may not create in it
  std::filesystem::permissions(locked, std::filesystem::perms(0755));
  d.UseDb(locked + "/state/roster.db");
  d.RunAs(kNobody);
  EXPECT_EQ(d.RunToExit(), 1) << d.Log();
  EXPECT_NE(d.Log().find("cannot create directory " + locked + "/state: Permission denied"),
            std::string::npos)
      << d.Log();
  EXPECT_EQ(d.Log().find("No such file or directory"), std::string::npos) << d.Log();
}

}  // namespace
}  // namespace roster

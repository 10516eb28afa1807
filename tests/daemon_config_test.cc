// daemon_config_test.cc — rosterd's command line and configuration through
// the real binary: every setting is checked against its range at start, a
// bad value, key or flag is refused with one sentence and exit status 2
// before any file is touched, and status reports the limits in force.
#include <filesystem>

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

}  // namespace
}  // namespace roster

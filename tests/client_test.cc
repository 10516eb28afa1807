// client_test.cc — the client library's own promises (src/client): lines
// come whole and in order whatever their size, the bytes after a line are
// kept, a line over the cap is an error, and a rosterd started by the
// launcher stops when whoever started it dies. (Everything else the library
// does, every integration test exercises.)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "cli_harness.h"
#include "fake_server.h"

namespace roster {
namespace {

using testing::GarbageServer;
using testing::TempDir;

client::Connection Open(const std::string& socket) {
  auto c = client::Connection::Open(socket);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

TEST(Connection, HandsOutEachLineWholeAndKeepsWhatFollows) {
  TempDir dir;
  const std::string big(3 << 20, 'x');  // grows the buffer past its huge-page threshold
  GarbageServer server(dir.File("s.sock"), {"first\nsecond\n" + big + "\nlast"});
  client::Connection c = Open(dir.File("s.sock"));
  ASSERT_TRUE(c.Send("hello\n", client::After(5000)).ok());
  // The first line starts the buffer: handed over without a copy, the rest kept.
  auto first = c.ReadLineCopy(client::After(5000));
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status().ToString();
  EXPECT_EQ(**first, "first");
  auto second = c.ReadLine(client::After(5000));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ(**second, "second");
  auto third = c.ReadLine(client::After(5000));
  ASSERT_TRUE(third.ok() && third->has_value());
  EXPECT_EQ(**third, big);
  // "last" never gets its newline: the close is an error, not a line.
  auto end = c.ReadLine(client::After(5000));
  EXPECT_FALSE(end.ok());
  EXPECT_EQ(end.status().code(), Code::kUnavailable);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(Connection, ALineOverTheCapIsAnErrorAndNothingWaitsForItsEnd) {
  TempDir dir;
  GarbageServer server(dir.File("s.sock"), {std::string(100'000, 'x')});
  client::Connection c = Open(dir.File("s.sock"));
  c.set_max_line_bytes(1000);
  ASSERT_TRUE(c.Send("hello\n", client::After(5000)).ok());
  auto line = c.ReadLine(client::After(5000));
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().message(), "rosterd sent a line longer than 1000 bytes");
}

// An interrupted test binary or benchmark used to leave its rosterd serving:
// the launcher's child gets SIGTERM when its starter dies, and stops cleanly.
TEST(Launcher, ADaemonWhoseStarterDiesStopsCleanly) {
  TempDir dir;
  const std::string socket = dir.File("roster.sock"), log = dir.File("rosterd.log");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t starter = ::fork();
  if (starter == 0) {  // plays the test binary that gets killed
    client::DaemonProcess p;
    Status s = p.Spawn({.binary = testing::BinaryUnderTest("ROSTER_TEST_ROSTERD", ROSTERD_PATH),
                        .args = {"--db", dir.File("roster.db"), "--socket", socket},
                        .log = log});
    if (s.ok()) s = p.WaitReady(socket);
    const pid_t pid = s.ok() ? p.pid() : -1;
    if (::write(fds[1], &pid, sizeof pid) != sizeof pid) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  pid_t daemon = -1;
  ASSERT_EQ(::read(fds[0], &daemon, sizeof daemon), static_cast<ssize_t>(sizeof daemon));
  ::close(fds[0]);
  ASSERT_GT(daemon, 0) << testing::Slurp(log);
  ::kill(starter, SIGKILL);
  ::waitpid(starter, nullptr, 0);
  auto stopped_cleanly = [&] {
    return testing::Slurp(log).find("rosterd stopped cleanly") != std::string::npos;
  };
  for (int i = 0; i < 1000 && !stopped_cleanly(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool stopped = stopped_cleanly();
  if (!stopped) ::kill(daemon, SIGKILL);  // not ours to reap: init's
  EXPECT_TRUE(stopped) << "rosterd outlived its starter: " << testing::Slurp(log);
  EXPECT_FALSE(std::filesystem::exists(socket));
}

}  // namespace
}  // namespace roster

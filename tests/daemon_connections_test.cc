// daemon_connections_test.cc — what clients do to connections must never
// leak them or hold rosterd up: a watch cancelled at once, a watcher that
// stops reading at a stop, a client that dribbles its request, and more
// connections than the process can open.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_harness.h"

namespace roster {
namespace {

using testing::ConnectUnix;
using testing::Daemon;
using testing::RpcClient;
namespace bj = boost::json;

std::string Request(int64_t id, const char* method, bj::object params = {}) {
  return bj::serialize(client::RequestObject(id, method, std::move(params)));
}

// Waits until status shows `n` connections (the asker's included).
int64_t SettledConnections(const Daemon& d, int64_t n) {
  int64_t seen = -1;
  for (int i = 0; i < 200 && seen != n; ++i) {
    seen = d.Client().Ok("status").at("connections").as_int64();
    if (seen != n) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return seen;
}

// `watch` followed at once by `unwatch` of its id: the watch was never
// answered, the connection never released (its descriptor and its
// max_connections slot leaked) and SIGTERM never completed. Four such
// clients exhausted a max_connections of 4.
TEST(DaemonConnections, WatchCancelledAtOnceIsAnsweredAndReleasesItsConnection) {
  Daemon d;
  d.Config({{"max_connections", 4}});
  d.Start();
  for (int64_t k = 1; k <= 4; ++k) {  // a fresh daemon numbers watches 1, 2, ...
    RpcClient c = d.Client();
    if (k % 2 == 1) {  // one batch
      c.SendRaw("[" + Request(1, "watch") + "," + Request(2, "unwatch", {{"watch_id", k}}) + "]\n");
      bj::value r = c.ReadResponse(5000);
      ASSERT_TRUE(r.is_array()) << bj::serialize(r);
      ASSERT_EQ(r.as_array().size(), 2u) << bj::serialize(r);
      EXPECT_EQ(r.as_array()[0].at("result").at("watch_id"), k) << bj::serialize(r);
      EXPECT_TRUE(r.as_array()[1].as_object().contains("result")) << bj::serialize(r);
    } else {  // pipelined
      c.SendRaw(Request(1, "watch") + "\n" + Request(2, "unwatch", {{"watch_id", k}}) + "\n");
      bj::value a = c.ReadResponse(5000), b = c.ReadResponse(5000);
      for (const bj::value* r : {&a, &b}) {
        EXPECT_TRUE(r->as_object().contains("result")) << bj::serialize(*r);
      }
    }
  }
  EXPECT_EQ(SettledConnections(d, 1), 1);
  EXPECT_TRUE(d.Client().Ok("status").at("subscribers").as_array().empty());
  EXPECT_EQ(d.Stop(10'000), 0) << d.Log();
}

// A watcher that stops reading kept rosterd from ever exiting on SIGTERM:
// its listener closed, but it kept the database lock (no new rosterd could
// start) until that client went away.
TEST(DaemonConnections, AWatcherThatStopsReadingCannotHoldUpAStop) {
  Daemon d;
  d.Config({{"shutdown_grace_ms", 500}});
  d.Start();
  RpcClient writer = d.Client(), stalled = d.Client();
  int small = 4096;
  ::setsockopt(stalled.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  stalled.Ok("watch");  // and never reads again
  writer.Ok("session.register", {{"id", "a"}});
  const std::string body(4000, 'x');
  std::string burst;
  for (int i = 0; i < 200; ++i) {
    burst += Request(i, "log.append", {{"session", "a"}, {"kind", "k"}, {"body", body}}) + "\n";
  }
  for (int round = 0; round < 10; ++round) {  // ~8 MB of events for the stalled watcher
    writer.SendRaw(burst);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(writer.ReadResponse().as_object().contains("result"));
  }
  EXPECT_EQ(d.Stop(10'000), 0) << "rosterd did not exit: " << d.Log();
  EXPECT_NE(d.Log().find("dropping 1 connection(s)"), std::string::npos) << d.Log();
  Daemon next;  // the database is free again
  next.UseDb(d.db());
  next.Start();
  EXPECT_EQ(next.Client().Ok("status").at("rev").as_int64(), 2001);
}

// A client that sends its request a byte every 100 ms was never closed (the
// idle timeout sees only silence), so a few of them held every slot.
TEST(DaemonConnections, ARequestDribbledByteByByteIsCutOffAfterRequestTimeout) {
  Daemon d;
  d.Config({{"request_timeout_ms", 1000}});
  d.Start();
  RpcClient slow = d.Client();
  const std::string line = Request(1, "status") + "\n";  // 3 s at 10 bytes/s
  std::string got;
  for (char ch : line) {
    try {
      slow.SendRaw(std::string(1, ch));
    } catch (const std::exception&) {
      break;  // closed under us
    }
    if (auto reply = slow.ReadLine(100)) {
      got = *reply;
      break;
    }
  }
  ASSERT_FALSE(got.empty()) << "the whole request went through";
  bj::value r = bj::parse(got);
  EXPECT_EQ(r.at("error").at("data").at("reason"), "limit_exceeded") << got;
  EXPECT_FALSE(slow.ReadLine(2000).has_value());
  EXPECT_TRUE(slow.eof());
  // A client that sends whole lines, however slowly between them, is served.
  RpcClient patient = d.Client();
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    EXPECT_EQ(patient.Ok("status").at("sync"), "full");
  }
}

// CPU seconds the process has used (user + system).
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Clients that were refused: those that got a limit_exceeded line.
int Refused(const std::vector<int>& fds) {
  std::vector<pollfd> polls;
  for (int fd : fds) polls.push_back({fd, POLLIN, 0});
  ::poll(polls.data(), polls.size(), 1000);
  int refused = 0;
  for (const auto& p : polls) {
    if (!(p.revents & POLLIN)) continue;
    char buf[512];
    ssize_t n = ::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0 &&
        std::string(buf, static_cast<size_t>(n)).find("limit_exceeded") != std::string::npos) {
      ++refused;
    }
  }
  return refused;
}

// Connects `n` clients, then checks that rosterd, left with them, idles
// rather than spins (a spin takes a whole core).
std::vector<int> ConnectAndSettle(const Daemon& d, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ConnectUnix(d.socket());
    EXPECT_GE(fd, 0);
    if (fd >= 0) fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double cpu = CpuSeconds(d.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_LT(CpuSeconds(d.pid()) - cpu, 0.5) << "rosterd is spinning";
  return fds;
}

// Closes the clients: every slot comes back, and the log holds a handful of
// accept failures at most.
void CloseAndExpectAQuietLog(const Daemon& d, const std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(SettledConnections(d, 1), 1);
  EXPECT_LE(Count(d.Log(), "accept failed"), 10u) << d.Log().substr(0, 2000);
}

// With the soft open-file limit at 1,024 and max_connections at its default
// 1,024, 1,030 clients made accept fail with EMFILE in a tight loop: 100 %
// CPU while idle, millions of "accept failed" lines, clients never answered.
TEST(DaemonConnections, MoreClientsThanTheProcessCanOpenAreRefusedWithoutSpinning) {
  Daemon d;
  d.SetFileLimit(1024, 1024);
  d.Start();
  EXPECT_EQ(d.Client().Ok("status").at("limits").at("max_connections"), 960);
  EXPECT_NE(d.Log().find("max_connections lowered from 1024 to 960"), std::string::npos) << d.Log();
  std::vector<int> fds = ConnectAndSettle(d, 1030);
  EXPECT_EQ(Refused(fds), 70);  // every client past 960 was told so
  CloseAndExpectAQuietLog(d, fds);
}

// Below what rosterd needs for itself, accept can still run out of
// descriptors: a waiting client is then told so, and accepting pauses.
TEST(DaemonConnections, OutOfDescriptorsAtAcceptAnswersAndPausesInsteadOfSpinning) {
  Daemon d;
  d.SetFileLimit(40, 40);
  d.Start();
  std::vector<int> fds = ConnectAndSettle(d, 60);
  EXPECT_GE(Refused(fds), 30);
  CloseAndExpectAQuietLog(d, fds);
}

// A soft limit below the hard one is raised, not lived with.
TEST(DaemonConnections, TheSoftFileLimitIsRaisedToTheHardOne) {
  Daemon d;
  d.SetFileLimit(256, 4096);
  d.Start();
  std::ifstream limits("/proc/" + std::to_string(d.pid()) + "/limits");
  std::string line, open_files;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) open_files = line;
  }
  std::istringstream f(open_files.substr(std::string("Max open files").size()));
  std::string soft, hard;
  f >> soft >> hard;
  EXPECT_EQ(soft, "4096") << open_files;
  EXPECT_EQ(d.Client().Ok("status").at("limits").at("max_connections"), 1024);
}

}  // namespace
}  // namespace roster

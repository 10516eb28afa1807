// daemon_systemd_test.cc — rosterd under the protocols of its systemd unit,
// with the test playing systemd's part: the readiness notification
// (NOTIFY_SOCKET, a datagram socket the test reads), socket activation (a
// bound listening socket passed as fd 3 with LISTEN_FDS/LISTEN_PID through a
// fork/exec) and the journal's log form (JOURNAL_STREAM naming stderr).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "cli_harness.h"
#include "fake_server.h"

namespace roster {
namespace {

using testing::ConnectUnix;
using testing::RpcClient;
using testing::TempDir;

// rosterd started the way systemd starts a unit's ExecStart.
struct Unit {
  const TempDir& dir;
  std::vector<std::pair<std::string, std::string>> env;  // added to the environment
  int listen_fd = -1;  // passed as fd 3 with LISTEN_FDS=1 when >= 0
  client::DaemonProcess proc;

  std::string socket() const { return dir.File("roster.sock"); }
  std::string log() const { return dir.File("rosterd.log"); }
  pid_t pid() const { return proc.pid(); }

  void Start() {
    Status s = proc.Spawn({.binary = testing::BinaryUnderTest("ROSTER_TEST_ROSTERD", ROSTERD_PATH),
                           .args = {"--db", dir.File("roster.db"), "--socket", socket()},
                           .env = env,
                           .log = log(),
                           .listen_fd = listen_fd});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void WaitReady() {
    Status s = proc.WaitReady(socket());
    ASSERT_TRUE(s.ok()) << s.ToString() << testing::Slurp(log());
  }
  int Stop() { return proc.Stop(20'000); }
  // The exit code; -1 if it did not exit within 20 s (then it is killed).
  int Wait() { return proc.Wait(20'000); }
};

// The datagram socket systemd reads notifications from.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("bind " + path + ": " + std::strerror(errno));
  }
  ~NotifySocket() { ::close(fd_); }
  // The next datagram, or "" after `timeout_ms`.
  std::string Next(int timeout_ms = 10'000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  std::pair<std::string, std::string> env() const { return {"NOTIFY_SOCKET", path_}; }

 private:
  std::string path_;
  int fd_;
};

TEST(Systemd, ReadyIsNotifiedWhenTheSocketAnswersAndStoppingOnSigterm) {
  TempDir dir;
  NotifySocket notify(dir.File("notify"));
  Unit unit{dir, {notify.env()}};
  unit.Start();
  std::string ready = notify.Next();
  ASSERT_NE(ready.find("READY=1"), std::string::npos) << ready << testing::Slurp(unit.log());
  EXPECT_NE(ready.find("STATUS=serving " + unit.socket()), std::string::npos) << ready;
  // At READY=1 the socket already answers: no retry, no wait.
  int fd = ConnectUnix(unit.socket());
  ASSERT_GE(fd, 0) << "READY=1 before the socket accepts";
  ::close(fd);
  RpcClient c(unit.socket());
  EXPECT_EQ(c.Ok("status").at("rev"), 0);
  ::kill(unit.pid(), SIGTERM);
  EXPECT_NE(notify.Next().find("STOPPING=1"), std::string::npos);
  EXPECT_EQ(unit.Wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(unit.socket()));  // its own socket: removed
}

TEST(Systemd, ActivationServesThePassedSocketAndLeavesItToSystemd) {
  TempDir dir;
  const std::string path = dir.File("roster.sock");
  const int listener = testing::Listen(path);  // as rosterd.socket makes it
  // The first client connects and writes before rosterd even runs, as a hook
  // does when its connection starts the service.
  RpcClient early(path);
  early.SendRaw(R"({"jsonrpc":"2.0","id":1,"method":"session.register","params":{"name":"a"}})"
                "\n");
  NotifySocket notify(dir.File("notify"));
  {
    Unit unit{dir, {notify.env()}, listener};
    unit.Start();
    json::value reply = early.ReadResponse();
    ASSERT_TRUE(reply.as_object().contains("result"))
        << json::serialize(reply) << testing::Slurp(unit.log());
    EXPECT_NE(notify.Next().find("READY=1"), std::string::npos);
    EXPECT_EQ(unit.Stop(), 0) << testing::Slurp(unit.log());
  }
  // systemd keeps the socket and its file; the next start serves it again.
  ASSERT_TRUE(std::filesystem::exists(path));
  RpcClient next(path);
  next.SendRaw(R"({"jsonrpc":"2.0","id":1,"method":"session.get","params":{"session":"a"}})"
               "\n");
  Unit again{dir, {}, listener};
  again.Start();
  json::value got = next.ReadResponse();
  EXPECT_EQ(got.at("result").at("name"), "a") << json::serialize(got);
  EXPECT_EQ(again.Stop(), 0);
  ::close(listener);
}

TEST(Systemd, APassedSocketThatIsNotAListeningStreamIsRefused) {
  TempDir dir;
  int not_a_socket = ::open(dir.File("plain").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  Unit unit{dir, {}, not_a_socket};
  unit.Start();
  EXPECT_EQ(unit.Wait(), 1);
  EXPECT_NE(testing::Slurp(unit.log()).find("not a listening Unix stream socket"),
            std::string::npos)
      << testing::Slurp(unit.log());
  EXPECT_FALSE(std::filesystem::exists(dir.File("roster.db")));  // refused before anything
  ::close(not_a_socket);
}

TEST(Systemd, JournalLinesCarryPrioritiesAndNoTimestamp) {
  TempDir dir;
  // systemd sets JOURNAL_STREAM to the device and inode of the stream it
  // connected stderr to; here that is the log file.
  std::ofstream(dir.File("rosterd.log")).flush();
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("rosterd.log").c_str(), &st), 0);
  Unit unit{dir, {{"JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)}}};
  unit.Start();
  unit.WaitReady();
  EXPECT_EQ(unit.Stop(), 0);
  std::istringstream lines(testing::Slurp(unit.log()));
  int n = 0;
  for (std::string l; std::getline(lines, l); ++n) {
    EXPECT_TRUE(l.rfind("<6>", 0) == 0 || l.rfind("<4>", 0) == 0) << l;
    EXPECT_EQ(l.find("Z info "), std::string::npos) << l;
  }
  EXPECT_GT(n, 2);
  EXPECT_NE(testing::Slurp(unit.log()).find("<6>rosterd " ROSTER_VERSION " ready"),
            std::string::npos);

  // Another stream in JOURNAL_STREAM (a child of a journald-logged shell):
  // the usual timestamped lines.
  TempDir other;
  Unit plain{other, {{"JOURNAL_STREAM", "1:1"}}};
  plain.Start();
  plain.WaitReady();
  EXPECT_EQ(plain.Stop(), 0);
  EXPECT_NE(testing::Slurp(plain.log()).find("Z info rosterd " ROSTER_VERSION " ready"),
            std::string::npos);
}

}  // namespace
}  // namespace roster

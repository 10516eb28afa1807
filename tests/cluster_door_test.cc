// cluster_door_test.cc — the cluster's door and its parts, on real sockets:
// the door address rule, the secret file, the TLS context, and a door in the
// test process piping to a real rosterd (the core) — with and without TLS,
// a wrong secret, a door without a secret, a door whose core is not
// serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>

#include "cluster/door_address.h"
#include "cluster/handshake.h"
#include "cluster/peer.h"
#include "cluster/secret.h"
#include "cluster/tls.h"
#include "cluster_fixture.h"

namespace roster::testing {
namespace {

using namespace std::chrono_literals;
using cluster::PeerClient;

TEST(ClusterDoorAddress, IsThePortAfterTheNodes) {
  EXPECT_EQ(*cluster::DoorAddress("127.0.0.1:9001"), "127.0.0.1:9002");
  EXPECT_EQ(*cluster::DoorAddress("10.1.2.3:1"), "10.1.2.3:2");
  for (const char* bad : {"localhost:9001", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:9x", "1.2.3:9001", ":9001"}) {
    auto r = cluster::DoorAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidParams);
    EXPECT_NE(r.status().message().find("numeric IPv4 address and port"), std::string::npos)
        << r.status().message();
  }
  auto last = cluster::DoorAddress("127.0.0.1:65535");
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.status().message().find("port 65535"), std::string::npos);
}

TEST(ClusterSecret, ReadsTheFileTrimmedAndRefusesWhatIsUnsafe) {
  TempDir dir;
  auto ok = cluster::LoadSecret(WriteFile(dir.File("s"), "0123456789abcdef xyz \n\n", 0600));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, "0123456789abcdef xyz");

  auto open = cluster::LoadSecret(WriteFile(dir.File("open"), kSecret, 0644));
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("mode 0644"), std::string::npos);
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(cluster::LoadSecret(WriteFile(dir.File("g"), kSecret, 0640)).ok());

  auto shortish = cluster::LoadSecret(WriteFile(dir.File("short"), "0123456789abcde\n", 0600));
  ASSERT_FALSE(shortish.ok());
  EXPECT_NE(shortish.status().message().find("holds 15 bytes"), std::string::npos)
      << shortish.status().message();

  auto missing = cluster::LoadSecret(dir.File("none"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);

  // The configuration refuses to load with such a file.
  daemon::DaemonConfig c = daemon::DefaultConfig();
  c.cluster_secret_file = dir.File("open");
  EXPECT_FALSE(cluster::Security::Load(c).ok());
}

TEST(ClusterTls, ContextFromPemFilesWithSentencesForBadOnes) {
  TempDir dir;
  TlsMaterial ca(dir);
  auto [cert, key] = ca.Member("a");
  auto good = cluster::MakeTlsContext(cert, key, ca.ca());
  ASSERT_TRUE(good.ok()) << good.status().ToString();

  const std::string junk = WriteFile(dir.File("junk.pem"), "not PEM at all\n", 0600);
  auto [other_cert, other_key] = ca.Member("b");
  struct Case {
    std::string cert, key, ca, says;
  } cases[] = {
      {dir.File("none.pem"), key, ca.ca(), "cannot read cluster_tls_cert"},
      {cert, dir.File("none.key"), ca.ca(), "cannot read cluster_tls_key"},
      {cert, key, dir.File("none-ca.pem"), "cannot read cluster_tls_ca"},
      {junk, key, ca.ca(), "holds no PEM certificate"},
      {cert, junk, ca.ca(), "holds no PEM private key"},
      {cert, other_key, ca.ca(), "is not the key of the certificate"},
      {cert, key, junk, "holds no PEM CA certificate"},
  };
  for (const auto& c : cases) {
    auto r = cluster::MakeTlsContext(c.cert, c.key, c.ca);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
    // Never OpenSSL's own text.
    EXPECT_EQ(r.status().message().find("routines"), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("error:"), std::string::npos) << r.status().message();
  }

  daemon::DaemonConfig two = daemon::DefaultConfig();
  two.cluster_tls_cert = cert;
  two.cluster_tls_key = key;
  auto partial = cluster::Security::Load(two);
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.status().message().find("all three"), std::string::npos);
}

// The door pipes an authenticated peer's requests to the core and back.
class ClusterDoor : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }
  void SetUp() override {
    core_.Start();
    if (tls()) material_ = std::make_unique<TlsMaterial>(dir_);
  }
  daemon::DaemonConfig Config(const std::string& name, const std::string& secret = kSecret) {
    return MemberConfig(dir_, name, secret, material_.get());
  }
  cluster::CoreSocket Core() {
    return [this]() -> std::optional<std::string> {
      ++core_asked_;
      if (!serving_) return std::nullopt;
      return core_.socket();
    };
  }

  TempDir dir_;
  Daemon core_;
  std::unique_ptr<TlsMaterial> material_;
  std::atomic<int> core_asked_{0};
  std::atomic<bool> serving_{true};
};

TEST_P(ClusterDoor, CallsReachTheCoreThroughTheDoor) {
  TestDoor door(Config("door"), Core());
  const auto security = MustLoad(Config("peer"));
  auto peer = PeerClient::Connect(door.address(), security, 2s);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  auto reg = (*peer)->Call("session.register", {{"name", "via-door"}});
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  auto got = (*peer)->Call("session.get", {{"session", "via-door"}});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->at("name").as_string(), "via-door");
  // The core's errors come back as a Status with their code.
  auto missing = (*peer)->Call("session.get", {{"session", "nobody"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  // And the write is in the core's store.
  EXPECT_EQ(core_.Client().Ok("session.get", {{"session", "via-door"}}).at("name"), "via-door");
}

TEST_P(ClusterDoor, AWrongSecretIsRefusedAndNothingReachesTheCore) {
  TestDoor door(Config("door"), Core());
  const auto wrong = MustLoad(Config("intruder", "another secret, also 32 bytes...."));
  auto peer = PeerClient::Connect(door.address(), wrong, 2s);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), Code::kPermissionDenied) << peer.status().ToString();
  EXPECT_NE(peer.status().message().find("wrong cluster secret"), std::string::npos)
      << peer.status().message();
  EXPECT_EQ(core_asked_.load(), 0);
  // The core saw no connection but this one.
  EXPECT_EQ(core_.Client().Ok("status").at("connections").as_int64(), 1);
  // The right secret still gets in.
  EXPECT_TRUE(PeerClient::Connect(door.address(), MustLoad(Config("peer")), 2s).ok());
}

TEST_P(ClusterDoor, ADoorWhoseCoreIsNotServingRefusesWithNotPrimary) {
  serving_ = false;
  TestDoor door(Config("door"), Core());
  auto peer = PeerClient::Connect(door.address(), MustLoad(Config("peer")), 2s);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), Code::kUnavailable);
  EXPECT_TRUE(cluster::IsNotPrimary(peer.status())) << peer.status().ToString();
  EXPECT_EQ(core_asked_.load(), 1);
  serving_ = true;
  EXPECT_TRUE(PeerClient::Connect(door.address(), MustLoad(Config("peer")), 2s).ok());
}

TEST_P(ClusterDoor, ADoorWithoutASecretRefusesEveryone) {
  daemon::DaemonConfig c = Config("door");
  c.cluster_secret_file.clear();
  TestDoor door(c, Core());
  auto peer = PeerClient::Connect(door.address(), MustLoad(Config("peer")), 2s);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), Code::kPermissionDenied);
  EXPECT_NE(peer.status().message().find("no cluster secret configured"), std::string::npos)
      << peer.status().message();
  EXPECT_EQ(core_asked_.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Transport, ClusterDoor, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "tls" : "plain"; });

// A raw TCP client (no TLS) that speaks the handshake by hand.
class RawTcp {
 public:
  explicit RawTcp(const std::string& address) {
    auto ep = cluster::ParseIpv4Endpoint(address, "door");
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(ep->port);
    ::inet_pton(AF_INET, ep->ip.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("connect");
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawTcp() { ::close(fd_); }
  void Send(const std::string& s) {
    ASSERT_EQ(::send(fd_, s.data(), s.size(), MSG_NOSIGNAL), (ssize_t)s.size());
  }
  // The next line, "" at end of file or timeout.
  std::string Line() {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      char c[4096];
      ssize_t n = ::recv(fd_, c, sizeof c, 0);
      if (n <= 0) return "";
      buf_.append(c, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

TEST(ClusterDoorRaw, ABadProofGetsOneErrorLineAndTheRequestNeverRuns) {
  TempDir dir;
  Daemon core;
  core.Start();
  std::atomic<int> asked{0};
  TestDoor door(MemberConfig(dir, "door", kSecret), [&]() -> std::optional<std::string> {
    ++asked;
    return core.socket();
  });
  RawTcp raw(door.address());
  auto hello = json::parse(raw.Line()).as_object();
  ASSERT_EQ(hello.at("roster_door").as_int64(), 1);
  const std::string nonce(hello.at("nonce").as_string());
  const std::string mine = "00112233445566778899aabbccddeeff";
  // A proof with the wrong secret, then a request riding behind it.
  raw.Send(json::serialize(json::object{
               {"nonce", mine},
               {"proof", cluster::HmacHex("not the secret!!", "client" + nonce + mine)}}) +
           "\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.register\",\"params\":{\"name\":"
           "\"x\"}}\n");
  auto error = json::parse(raw.Line());
  EXPECT_EQ(error.at("error").at("data").at("reason"), "permission_denied");
  EXPECT_EQ(error.at("error").at("message"), "wrong cluster secret");
  EXPECT_EQ(raw.Line(), "");  // closed
  EXPECT_EQ(asked.load(), 0);
  EXPECT_EQ(core.Client().Reason("session.get", {{"session", "x"}}), "not_found");
}

TEST(ClusterDoorRaw, TheRightProofByHandOpensThePipe) {
  TempDir dir;
  Daemon core;
  core.Start();
  TestDoor door(MemberConfig(dir, "door", kSecret),
                [&]() -> std::optional<std::string> { return core.socket(); });
  const std::string secret = "a cluster secret of 32 bytes....";  // kSecret trimmed
  RawTcp raw(door.address());
  const std::string nonce(json::parse(raw.Line()).at("nonce").as_string());
  const std::string mine = "ffeeddccbbaa99887766554433221100";
  raw.Send(json::serialize(json::object{
               {"nonce", mine}, {"proof", cluster::HmacHex(secret, "client" + nonce + mine)}}) +
           "\n");
  EXPECT_EQ(json::parse(raw.Line()).at("proof").as_string(),
            cluster::HmacHex(secret, "server" + nonce + mine));
  raw.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"status\"}\n");
  auto status = json::parse(raw.Line());
  EXPECT_EQ(status.at("id"), 7);
  EXPECT_TRUE(status.as_object().contains("result"));
}

TEST(ClusterDoorTls, PeersWithoutTheClustersCertificatesAreRefused) {
  TempDir dir;
  Daemon core;
  core.Start();
  TlsMaterial ca(dir, "ca"), stranger(dir, "stranger");
  TestDoor door(MemberConfig(dir, "door", kSecret, &ca),
                [&]() -> std::optional<std::string> { return core.socket(); });
  // A client signed by another CA, with the right secret.
  auto other =
      PeerClient::Connect(door.address(), MustLoad(MemberConfig(dir, "x", kSecret, &stranger)), 2s);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kUnavailable);
  EXPECT_NE(other.status().message().find("TLS with the door"), std::string::npos)
      << other.status().message();
  // A client without TLS.
  auto plain = PeerClient::Connect(door.address(), MustLoad(MemberConfig(dir, "y", kSecret)), 2s);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().code(), Code::kUnavailable);
  // Nothing listens: a quick unavailable.
  const auto t0 = std::chrono::steady_clock::now();
  auto none = PeerClient::Connect("127.0.0.1:" + std::to_string(FreeLoopbackPort()),
                                  MustLoad(MemberConfig(dir, "z", kSecret, &ca)), 2s);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("cannot connect to the door"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  // A member of the cluster gets in.
  EXPECT_TRUE(
      PeerClient::Connect(door.address(), MustLoad(MemberConfig(dir, "m", kSecret, &ca)), 2s).ok());
}

}  // namespace
}  // namespace roster::testing

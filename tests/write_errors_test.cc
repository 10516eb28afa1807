// write_errors_test.cc — a write that cannot be committed fails definitively
// and says why in a form a program can read: another process holding the
// database's lock (`busy`) and a full disk (`disk_full`) are distinct causes
// of -32006, and a write that waited past write_timeout_ms is never committed
// afterwards, so a client (rosterctl, which waits longer) that saw it fail
// can rely on it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/mount.h>

#include <atomic>
#include <future>
#include <thread>

#include "cli_harness.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::kRosterctl;
using testing::Ran;
using testing::RpcClient;
using testing::Sh;
namespace bj = boost::json;

// data.cause of an error object ("(none)" without one).
std::string Cause(const bj::value& error) {
  const bj::value* c = error.at("data").as_object().if_contains("cause");
  return c && c->is_string() ? std::string(c->as_string()) : "(none)";
}

std::string LogBodies(const Daemon& d) {
  return bj::serialize(d.Client().Ok("log.read", {{"session", "a"}, {"limit", 100}}).at("entries"));
}

// The lock of a `sqlite3` user's open write transaction used to hold a write
// up to twice the busy timeout (10 s): a write queued behind one that waited
// 5 s for the lock and failed waited 5 s more, and committed when the lock
// came free at 6 s — while rosterctl, which gave up after 5 s, had reported
// it failed.
TEST(WriteErrors, AWriteBehindAnotherProcesssLockFailsUncommittedAndSaysBusy) {
  Daemon d;
  d.Start();
  d.Client().Ok("session.register", {{"id", "a"}});
  std::atomic<bool> released{false};
  std::atomic<bool> locked{false};
  std::thread holder([&] {
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE);
    db.exec("BEGIN IMMEDIATE");
    locked = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(6000));
    released = true;
    db.exec("ROLLBACK");
  });
  while (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  RpcClient first = d.Client();
  first.SendRaw(bj::serialize(client::RequestObject(
                    1, "log.append", {{"session", "a"}, {"kind", "k"}, {"body", "first"}})) +
                "\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // rosterctl sends its append with a request_key and, answered unavailable,
  // sends it again with the same key until the lock is free: it reports
  // success, and the entry is there once.
  auto second =
      std::async(std::launch::async, [&] { return Sh(d, kRosterctl + " log append a k second"); });
  bj::value r = first.ReadResponse(15'000);
  EXPECT_FALSE(released) << "answered only once the lock came free";
  holder.join();
  ASSERT_TRUE(r.as_object().contains("error")) << bj::serialize(r);
  EXPECT_EQ(r.at("error").at("code"), -32006);
  EXPECT_EQ(r.at("error").at("data").at("reason"), "unavailable");
  EXPECT_EQ(Cause(r.at("error")), "busy") << bj::serialize(r);
  Ran ran = second.get();
  EXPECT_EQ(ran.code, 0) << ran.err;
  const std::string bodies = LogBodies(d);
  EXPECT_EQ(bodies.find("second"), bodies.rfind("second")) << "applied twice: " << bodies;
  EXPECT_NE(bodies.find("second"), std::string::npos) << "reported done, not there: " << bodies;
  EXPECT_EQ(bodies.find("first"), std::string::npos) << bodies;
  // The daemon writes again once the lock is free.
  Ran third = Sh(d, kRosterctl + " log append a k third");
  EXPECT_EQ(third.code, 0) << third.err;
}

// A full disk and a locked database both answered -32006 `unavailable`, told
// apart only by their messages.
TEST(WriteErrors, AFullDiskSaysDiskFull) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  Daemon d;
  const std::string small = d.dir().File("small");
  std::filesystem::create_directory(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  d.UseDb(small + "/roster.db");
  d.Start();
  RpcClient c = d.Client();
  bj::value error;
  for (int i = 0; i < 100 && error.is_null(); ++i) {
    bj::value r = c.Call("session.register", {{"name", "s" + std::to_string(i)},
                                              {"meta", {{"pad", std::string(60'000, 'x')}}}});
    if (r.as_object().contains("error")) error = r.at("error");
  }
  ASSERT_FALSE(error.is_null()) << "1 MiB never filled up";
  EXPECT_EQ(error.at("code"), -32006) << bj::serialize(error);
  EXPECT_EQ(error.at("data").at("reason"), "unavailable");
  EXPECT_EQ(Cause(error), "disk_full") << bj::serialize(error);
  EXPECT_EQ(c.Ok("status").at("sync"), "full");  // still serving
  d.Kill9();
}

}  // namespace
}  // namespace roster

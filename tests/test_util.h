// test_util.h — shared fixtures for Roster's tests: a temporary directory, a
// scripted clock and process probe, and a Registry on a real database file.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "core/process_probe.h"
#include "store/connection.h"
#include "store/registry.h"

namespace roster::testing {

// A pid that no process has: a child that exited and was reaped.
inline pid_t DeadPid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

// A fresh directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "roster-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A probe whose answers the test sets.
class FakeProbe : public ProcessProbe {
 public:
  std::map<int64_t, int64_t> processes;       // pid -> start time
  std::optional<std::set<std::string>> tmux;  // nullopt: tmux cannot be asked
  std::optional<int64_t> StartTime(int64_t pid) override {
    auto it = processes.find(pid);
    if (it == processes.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::set<std::string>> TmuxSessions() override { return tmux; }
};

// A Registry on `db` with a manual clock (starting at 1,000,000 ms) and a fake probe.
struct RegistryHarness {
  TempDir dir;
  std::string db = dir.File("roster.db");
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1'000'000);
  std::shared_ptr<FakeProbe> probe = std::make_shared<FakeProbe>();
  std::unique_ptr<store::Registry> reg;

  explicit RegistryHarness(store::RegistryOptions opts = {}) { Open(std::move(opts)); }

  void Open(store::RegistryOptions opts = {}) {
    reg.reset();
    auto conn = store::Connection::Open({.path = db});
    if (!conn.ok()) throw std::runtime_error(conn.status().ToString());
    auto clock = now;
    opts.clock = [clock] { return *clock; };
    opts.probe = probe;
    reg = std::make_unique<store::Registry>(std::move(conn).value(), std::move(opts));
  }

  // Changes with rev > after, as "entity op key" strings.
  std::vector<std::string> ChangesAfter(int64_t after) {
    auto r = reg->ReadChanges(after, 1'000'000);
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& c : *r) out.push_back(c.entity + " " + c.op + " " + c.key);
    return out;
  }
  int64_t Rev() { return reg->CurrentRev().value(); }
};

#define ASSERT_OK(expr)                                      \
  do {                                                       \
    const auto& _r = (expr);                                 \
    ASSERT_TRUE(_r.ok()) << ::roster::testing::Describe(_r); \
  } while (0)

inline std::string Describe(const Status& s) { return s.ToString(); }
template <typename T>
std::string Describe(const Result<T>& r) {
  return r.ok() ? "ok" : r.status().ToString();
}

}  // namespace roster::testing

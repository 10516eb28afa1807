// core_test.cc — the pure domain helpers: merge patch, UUIDs, pause
// summaries, UTF-8 truncation and the real process probe.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/git_branch.h"
#include "core/merge_patch.h"
#include "core/proc_stat.h"
#include "core/process_probe.h"
#include "core/summary.h"
#include "core/uuid.h"
#include "test_util.h"

namespace roster {
namespace {

json::object Obj(const char* text) { return json::parse(text).as_object(); }

TEST(MergePatch, FollowsRfc7386Examples) {
  json::object target = Obj(R"({"a":"b","c":{"d":"e","f":"g"}})");
  ApplyMergePatch(target, Obj(R"({"a":"z","c":{"f":null}})"));
  EXPECT_EQ(json::value(target), json::parse(R"({"a":"z","c":{"d":"e"}})"));

  json::object t2 = Obj(R"({"a":["b"]})");
  ApplyMergePatch(t2, Obj(R"({"a":{"b":"c"}})"));
  EXPECT_EQ(json::value(t2), json::parse(R"({"a":{"b":"c"}})"));

  json::object t3 = Obj(R"({"a":{"b":"c"}})");
  ApplyMergePatch(t3, Obj(R"({"a":[1],"n":null,"x":{"y":null,"z":1}})"));
  EXPECT_EQ(json::value(t3), json::parse(R"({"a":[1],"x":{"z":1}})"));
}

TEST(Uuid, IsVersion4WithRfcVariantAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuidV4();
    ASSERT_TRUE(LooksLikeUuid(u)) << u;
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(LooksLikeUuid("not-a-uuid"));
  EXPECT_FALSE(LooksLikeUuid("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"));
}

TEST(Summary, UsesTextFieldsAndKeepsNewestWithinLimit) {
  std::vector<LogEntry> entries = {
      {1, 1, 0, "prompt", json::parse(R"({"prompt":"fix the parser"})")},
      {2, 1, 0, "tool", json::parse(R"({"tool_name":"Bash"})")},
      {3, 1, 0, "note", json::value("tests pass")},
  };
  EXPECT_EQ(BuildPauseSummary(entries, 500),
            R"(prompt: fix the parser | tool: {"tool_name":"Bash"} | note: tests pass)");
  std::string cut = BuildPauseSummary(entries, 16);
  EXPECT_EQ(cut, "note: tests pass");
  EXPECT_EQ(BuildPauseSummary({}, 500), "(no log entries)");
}

TEST(Summary, NeverSplitsUtf8AndCountsCharacters) {
  std::string s = "héllo wörld ✓✓✓";
  EXPECT_EQ(Utf8Length(s), 15u);
  EXPECT_EQ(TruncateUtf8(s, 2), "hé");
  EXPECT_EQ(TruncateUtf8(s, 100), s);
  std::vector<LogEntry> e = {{1, 1, 0, "k", json::value(std::string(600, 'x') + "✓")}};
  std::string sum = BuildPauseSummary(e, 500);
  EXPECT_EQ(Utf8Length(sum), 500u);
  EXPECT_EQ(sum.substr(sum.size() - 3), "✓");
}

TEST(Summary, PaneSummaryJoinsTheLastLinesAndKeepsTheNewest) {
  EXPECT_EQ(BuildPaneSummary({"  $ make   test", "", "ok   12 tests", "   "}, 500),
            "$ make test | ok 12 tests");
  EXPECT_EQ(BuildPaneSummary({"old line", std::string(600, 'n')}, 500), std::string(500, 'n'));
  EXPECT_EQ(BuildPaneSummary({"", " "}, 500), "(empty pane)");
}

TEST(ProcStat, ReadsNameParentAndStartTimeOfAProcess) {
  auto self = ReadProcStat(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->ppid, getppid());
  EXPECT_GT(self->start_time, 0);
  EXPECT_FALSE(ReadProcStat(0).has_value());
}

// The on-disk layout git writes: .git directories, .git files of worktrees
// (relative or absolute gitdir), symbolic and detached HEADs.
TEST(GitBranch, ReadsHeadLikeGitFromAnyDirectoryOfTheWorkTree) {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  auto write = [](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  const fs::path repo = dir.path() / "repo";
  write(repo / ".git" / "HEAD", "ref: refs/heads/feature/parser\n");
  fs::create_directories(repo / "src" / "deep");
  EXPECT_EQ(ReadGitBranch(repo.string()), "feature/parser");
  EXPECT_EQ(ReadGitBranch((repo / "src" / "deep").string()), "feature/parser");
  write(repo / ".git" / "worktrees" / "wt" / "HEAD", "ref: refs/heads/fix\n");
  const fs::path wt = dir.path() / "wt";
  write(wt / ".git", "gitdir: " + (repo / ".git" / "worktrees" / "wt").string() + "\n");
  EXPECT_EQ(ReadGitBranch(wt.string()), "fix");
  write(repo / "sub" / ".git", "gitdir: ../.git/worktrees/wt\n");  // relative, as submodules do
  EXPECT_EQ(ReadGitBranch((repo / "sub").string()), "fix");
  write(repo / ".git" / "HEAD", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n");
  EXPECT_EQ(ReadGitBranch(repo.string()), "detached:1a2b3c4");
  fs::create_directories(dir.path() / "plain");
  EXPECT_FALSE(ReadGitBranch((dir.path() / "plain").string()).has_value());
  EXPECT_FALSE(ReadGitBranch("").has_value());
  EXPECT_FALSE(ReadGitBranch("relative/path").has_value());
}

TEST(SystemProcessProbe, SeesOwnProcessAndNotAReapedChild) {
  auto probe = SystemProcessProbe();
  auto self = probe->StartTime(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(*self, 0);
  EXPECT_EQ(probe->StartTime(getpid()), self);  // stable
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(probe->StartTime(child).has_value());
  EXPECT_FALSE(probe->StartTime(-1).has_value());
}

}  // namespace
}  // namespace roster

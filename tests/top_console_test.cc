// top_console_test.cc — `rosterctl top` as an operator uses it: the real
// binary in a real terminal (a private tmux server, driven with send-keys and
// read with capture-pane) against the real rosterd. Every wait polls the
// screen until the expected text shows, with a deadline.
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include "cli_harness.h"

namespace roster {
namespace {

using testing::Daemon;
namespace bj = boost::json;

const std::string kCtl = testing::BinaryUnderTest("ROSTER_TEST_ROSTERCTL", ROSTERCTL_PATH);

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command line and returns its stdout.
std::string Output(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::vector<std::string> Lines(const std::string& screen) {
  std::vector<std::string> out;
  std::istringstream in(screen);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The first line that shows session `name` (as a whole word), or "".
std::string LineOf(const std::string& screen, const std::string& name) {
  const std::regex word("(^|\\s)" + name + "(\\s|$)");
  for (const auto& l : Lines(screen))
    if (std::regex_search(l, word)) return l;
  return "";
}

// A command in a pane of a private tmux server on `socket`; the server is
// killed and its socket file removed (tmux leaves it) with the Pane.
class Pane {
 public:
  Pane(const std::string& socket, const std::string& command, int width, int height)
      : socket_(socket), tmux_("tmux -f /dev/null -S " + socket + " ") {
    const std::string start = tmux_ + "new-session -d -s top -x " + std::to_string(width) + " -y " +
                              std::to_string(height) + " " + Quote(command);
    if (std::system(start.c_str()) != 0) throw std::runtime_error("cannot start tmux");
  }
  ~Pane() {
    std::system((tmux_ + "kill-server 2>/dev/null").c_str());
    ::unlink(socket_.c_str());
  }

  std::string Screen() const { return Output(tmux_ + "capture-pane -p -t top 2>/dev/null"); }
  void Keys(const std::string& keys) { std::system((tmux_ + "send-keys -t top " + keys).c_str()); }
  void Type(const std::string& text) {
    std::system((tmux_ + "send-keys -t top -l " + Quote(text)).c_str());
  }
  void Resize(int width, int height) {
    std::system((tmux_ + "resize-window -t top -x " + std::to_string(width) + " -y " +
                 std::to_string(height))
                    .c_str());
  }
  bool Alive() const {
    return std::system((tmux_ + "has-session -t top 2>/dev/null").c_str()) == 0;
  }

  // Polls the screen until `ok` holds; false at the deadline. *last gets
  // the last screen seen (for the failure message).
  bool WaitFor(const std::function<bool(const std::string&)>& ok, std::string* last,
               int timeout_ms = 10'000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      *last = Screen();
      if (ok(*last)) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  bool WaitForText(const std::string& text, std::string* last) {
    return WaitFor([&](const std::string& s) { return s.find(text) != std::string::npos; }, last);
  }

 private:
  std::string socket_, tmux_;
};

class TopConsole : public ::testing::Test {
 protected:
  void SetUp() override {
    d.Config({{"cleanup_interval_ms", 100}});
    d.Start();
  }
  // rosterctl from another shell; its exit code.
  int Ctl(const std::string& args, const std::string& stdin_text = "") {
    return testing::Sh(d, kCtl + " " + args, stdin_text).code;
  }
  std::string Top() const { return "ROSTER_SOCKET=" + d.socket() + " exec " + kCtl + " top"; }
  // A tmux socket in the test's own directory.
  std::string TmuxSocket() { return d.dir().File("tmux-" + std::to_string(++panes_) + ".sock"); }
  int panes_ = 0;
  Daemon d;
};

// LAST SEEN and EXPIRES of `name`, in seconds, when its row shows them.
std::optional<std::pair<int, int>> Liveness(const std::string& screen, const std::string& name) {
  std::smatch m;
  const std::string line = LineOf(screen, name);
  if (!std::regex_search(line, m, std::regex(R"((\d+)s ago\s+in (\d+)s)"))) return std::nullopt;
  return std::pair(std::stoi(m[1]), std::stoi(m[2]));
}

TEST_F(TopConsole, ExpiryAndAHeartbeatMoveTheRowsAndAPauseFromAnotherShellAppears) {
  ASSERT_EQ(Ctl("session register --name alpha --ttl 60000"), 0);
  ASSERT_EQ(Ctl("session register --name short-lived --ttl 1500"), 0);
  Pane top(TmuxSocket(), Top(), 120, 20);
  std::string s;
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return LineOf(x, "short-lived").find("stale") != std::string::npos;
      },
      &s))
      << s;
  // Time passes on screen...
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        auto l = Liveness(x, "alpha");
        return l && l->first >= 5 && l->second <= 55;
      },
      &s))
      << s;
  // ...and a pure heartbeat, which is not a feed event, moves LAST SEEN back
  // and EXPIRES forward (to what they are since the heartbeat; the deadline
  // is loose, for a loaded machine: speed is roster-bench's business).
  const auto beat = std::chrono::steady_clock::now();
  ASSERT_EQ(Ctl("session heartbeat alpha"), 0);
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) {
        auto l = Liveness(x, "alpha");
        const int since = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::steady_clock::now() - beat)
                                               .count());
        return l && l->first <= std::min(since + 1, 4) && l->second >= 55;
      },
      &s))
      << s;
  ASSERT_EQ(Ctl("pause alpha -m 'gone fishing'"), 0);
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        const std::string l = LineOf(x, "alpha");
        return l.find("paused") != std::string::npos && l.find("gone fishing") != std::string::npos;
      },
      &s))
      << s;
}

TEST_F(TopConsole, KeysSelectPauseResumeFilterAndShowTheLog) {
  for (const char* n : {"alpha", "beta", "gamma"})
    ASSERT_EQ(Ctl(std::string("session register --name ") + n), 0);
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(Ctl("log append gamma note '\"compiled fine " + std::to_string(i) + "\"'"), 0);
  Pane top(TmuxSocket(), Top(), 120, 20);
  std::string s;
  ASSERT_TRUE(top.WaitForText("gamma", &s)) << s;
  top.Keys("j");  // alpha is selected first; j moves to beta
  ASSERT_TRUE(
      top.WaitFor([](const std::string& x) { return LineOf(x, "beta").rfind(">", 0) == 0; }, &s))
      << s;
  top.Keys("p");
  ASSERT_TRUE(top.WaitForText("pause beta, note", &s)) << s;
  top.Type("lunch break");
  top.Keys("Enter");
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        const std::string l = LineOf(x, "beta");
        return l.find("paused") != std::string::npos && l.find("lunch break") != std::string::npos;
      },
      &s))
      << s;
  auto beta = d.Client().Ok("session.get", {{"session", "beta"}});
  EXPECT_EQ(beta.at("status"), "paused");
  EXPECT_EQ(beta.at("pause").at("note"), "lunch break");
  top.Keys("r");
  ASSERT_TRUE(top.WaitForText("resumed beta", &s)) << s;
  EXPECT_EQ(d.Client().Ok("session.get", {{"session", "beta"}}).at("status"), "active");
  top.Keys("r");  // not paused: the daemon's refusal shows, the console carries on
  ASSERT_TRUE(top.WaitForText("is not paused", &s)) << s;
  top.Keys("/");
  top.Type("GAM");
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return !LineOf(x, "gamma").empty() && LineOf(x, "alpha").empty();
      },
      &s))
      << s;
  top.Keys("Enter");  // keeps the filter; Enter again opens gamma's log
  ASSERT_TRUE(top.WaitForText("filter: GAM", &s)) << s;
  top.Keys("Enter");
  ASSERT_TRUE(top.WaitForText("log of gamma", &s)) << s;
  ASSERT_TRUE(top.WaitForText("compiled fine 3", &s)) << s;
  EXPECT_NE(s.find("compiled fine 1"), std::string::npos) << s;
  top.Keys("Escape");
  ASSERT_TRUE(top.WaitForText("LAST SEEN", &s)) << s;
  top.Keys("Escape");  // clears the filter
  ASSERT_TRUE(top.WaitFor([](const std::string& x) { return !LineOf(x, "alpha").empty(); }, &s))
      << s;
  top.Keys("q");
  ASSERT_TRUE(top.WaitFor([&](const std::string&) { return !top.Alive(); }, &s)) << s;
}

TEST_F(TopConsole, FitsEightyColumnsWithoutWrappingOnTheAlternateScreenAndResizes) {
  for (int i = 0; i < 30; ++i) {
    const std::string n = std::to_string(100 + i);
    ASSERT_EQ(Ctl("session register --name " + n + "-agent-with-a-rather-long-name" +
                  " --root /home/operator/src/a/very/deeply/nested/project/path/number-" + n),
              0);
    if (i % 3 == 0) {
      ASSERT_EQ(Ctl("pause " + n + "-agent-with-a-rather-long-name" +
                    " -m 'waiting for the review of the migration and for the tests to go green'"),
                0);
    }
  }
  Pane top(TmuxSocket(),
           "echo BEFORE-TOP; ROSTER_SOCKET=" + d.socket() + " " + kCtl +
               " top; echo AFTER-TOP; sleep 60",
           80, 24);
  std::string s;
  const std::regex row(R"(^[> ] (active|paused) +1\d\d-agent)");
  auto laid_out = [&](const std::string& x, size_t height) {
    auto lines = Lines(x);
    if (lines.size() != height || lines[0].rfind("roster top  30 sessions", 0) != 0 ||
        lines[1].rfind("  STATUS", 0) != 0 || x.find("BEFORE-TOP") != std::string::npos)
      return false;
    for (size_t i = 2; i + 1 < height; ++i)  // every row in its own line: nothing wrapped
      if (!std::regex_search(lines[i], row)) return false;
    return true;
  };
  ASSERT_TRUE(top.WaitFor([&](const std::string& x) { return laid_out(x, 24); }, &s)) << s;
  EXPECT_NE(Lines(s)[1].find("LAST SEEN"), std::string::npos) << s;
  EXPECT_NE(Lines(s)[1].find("NOTE"), std::string::npos) << s;
  top.Keys("G");  // the last row: the table scrolls, the header stays
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) {
        for (const auto& l : Lines(x))
          if (l.rfind("> ", 0) == 0)
            return laid_out(x, 24) && l.find("129-agent") != std::string::npos;
        return false;
      },
      &s))
      << s;
  top.Resize(60, 16);
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) { return laid_out(x, 16) && x.find("NOTE") == std::string::npos; },
      &s))
      << s;
  top.Keys("q");  // the shell's screen comes back as it was
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return x.find("BEFORE-TOP") != std::string::npos &&
               x.find("AFTER-TOP") != std::string::npos && x.find("STATUS") == std::string::npos;
      },
      &s))
      << s;
}

TEST_F(TopConsole, SurvivesADaemonRestartAndResumesTheFeedSinceItsLastRev) {
  ASSERT_EQ(Ctl("session register --name alpha"), 0);
  Pane top(TmuxSocket(), Top(), 100, 20);
  std::string s;
  ASSERT_TRUE(top.WaitForText("live", &s)) << s;
  ASSERT_EQ(d.Stop(), 0);
  ASSERT_TRUE(top.WaitForText("reconnecting", &s)) << s;
  EXPECT_FALSE(LineOf(s, "alpha").empty()) << s;  // what it knew stays on screen
  {  // a change made while the daemon is away (sqlite3 writes enter the feed)
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE);
    db.exec(
        "INSERT INTO sessions (id, name, root, created_at, updated_at, last_seen, ttl_ms, meta) "
        "VALUES ('w-1', 'while-away', '/w', 1, 1, 1, 60000, '{}')");
  }
  d.Start();
  ASSERT_EQ(Ctl("session register --name after-restart"), 0);
  ASSERT_EQ(Ctl("pause alpha -m restarted"), 0);
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return !LineOf(x, "after-restart").empty() && !LineOf(x, "while-away").empty() &&
               LineOf(x, "alpha").find("restarted") != std::string::npos &&
               x.find("live") != std::string::npos;
      },
      &s))
      << s;
  // It resumed the feed (the change made while away came from the feed's
  // pages after its rev), rather than taking a new snapshot.
  bj::value status = d.Client().Ok("status");
  int64_t caught_up = -1;
  for (const auto& sub : status.at("subscribers").as_array())
    if (sub.as_object().contains("entities")) caught_up = sub.at("caught_up").as_int64();
  EXPECT_GE(caught_up, 1) << bj::serialize(status);
  EXPECT_TRUE(top.Alive());
}

TEST_F(TopConsole, TakesAFreshSnapshotWhenTheFeedWasCompactedWhileAway) {
  ASSERT_EQ(Ctl("session register --name alpha"), 0);
  ASSERT_EQ(Ctl("session register --name beta"), 0);
  Pane top(TmuxSocket(), Top(), 100, 20);
  std::string s;
  ASSERT_TRUE(top.WaitForText("beta", &s)) << s;
  ASSERT_EQ(d.Stop(), 0);
  ASSERT_TRUE(top.WaitForText("reconnecting", &s)) << s;
  {  // While the daemon is away: a write from sqlite3, then the feed is
     // compacted past it (as the cleanup does), so `since` cannot resume.
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(
        "INSERT INTO sessions (id, name, root, created_at, updated_at, last_seen, ttl_ms, meta) "
        "VALUES ('w-1', 'while-away', '/w', 1, 1, 1, 60000, '{}')");
    db.exec("DELETE FROM sessions WHERE name = 'beta'");
    db.exec("DELETE FROM changes WHERE rev < (SELECT max(rev) FROM changes)");
  }
  d.Start();
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return !LineOf(x, "while-away").empty() && LineOf(x, "beta").empty() &&
               x.find("live") != std::string::npos;
      },
      &s))
      << s;
}

TEST_F(TopConsole, ShowsTheRestoredStateAfterARestore) {
  const std::string backup = testing::BinaryUnderTest("ROSTER_TEST_BACKUP", ROSTER_BACKUP_PATH);
  ASSERT_EQ(Ctl("session register --name alpha"), 0);
  ASSERT_EQ(Ctl("session register --name beta"), 0);
  ASSERT_EQ(testing::Sh(d, backup + " backup " + d.db() + " " + d.dir().File("b.db")).code, 0);
  ASSERT_EQ(Ctl("session remove beta"), 0);
  ASSERT_EQ(Ctl("session register --name gamma"), 0);
  Pane top(TmuxSocket(), Top(), 100, 20);
  std::string s;
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) { return !LineOf(x, "gamma").empty() && LineOf(x, "beta").empty(); },
      &s))
      << s;
  ASSERT_EQ(d.Stop(), 0);
  testing::Ran restored =
      testing::Sh(d, backup + " restore " + d.dir().File("b.db") + " " + d.db());
  ASSERT_EQ(restored.code, 0) << restored.err;
  d.Start();  // a new incarnation of the feed: top's rev means nothing in it
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return !LineOf(x, "beta").empty() && LineOf(x, "gamma").empty() &&
               x.find("live") != std::string::npos;
      },
      &s))
      << s;
}

TEST_F(TopConsole, ShowsEachSessionsBranchAndFiltersByIt) {
  ASSERT_EQ(Ctl("session register --name alpha"), 0);
  ASSERT_EQ(Ctl("session register --name beta"), 0);
  Pane top(TmuxSocket(), Top(), 120, 20);
  std::string s;
  ASSERT_TRUE(top.WaitForText("beta", &s)) << s;
  {  // a branch switch is a change like any other (here written by sqlite3)
    SQLite::Database db(d.db(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE sessions SET branch = 'feature/console' WHERE name = 'beta'");
  }
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) {
        return LineOf(x, "beta").find("feature/console") != std::string::npos;
      },
      &s))
      << s;
  top.Keys("/");
  top.Type("CONSOLE");
  ASSERT_TRUE(top.WaitFor(
      [](const std::string& x) { return !LineOf(x, "beta").empty() && LineOf(x, "alpha").empty(); },
      &s))
      << s;
}

TEST_F(TopConsole, NeedsATerminalAndARunningDaemonToStart) {
  testing::Ran piped = testing::Sh(d, kCtl + " top");  // stdin and stdout are files
  EXPECT_EQ(piped.code, 2);
  EXPECT_NE(piped.err.find("needs a terminal"), std::string::npos) << piped.err;
  Pane top(
      TmuxSocket(),
      "ROSTER_SOCKET=" + d.dir().File("none.sock") + " " + kCtl + " top; echo EXIT=$?; sleep 60",
      100, 10);
  std::string s;
  ASSERT_TRUE(top.WaitForText("EXIT=5", &s)) << s;
  EXPECT_NE(s.find("is not running"), std::string::npos) << s;
}

TEST_F(TopConsole, AgentsThatNeedTheUserComeFirstAndOneKeyShowsOnlyThem) {
  for (const char* n : {"aaa", "mmm", "zzz"})
    ASSERT_EQ(Ctl(std::string("session register --name ") + n + " --id " + n + "-id"), 0);
  Pane top(TmuxSocket(), Top(), 120, 20);
  std::string s;
  // The order of the names on screen, top to bottom.
  auto order = [](const std::string& x) {
    std::string out;
    for (const auto& l : Lines(x))
      for (const char* n : {"aaa", "mmm", "zzz"})
        if (!LineOf(l, n).empty()) out += std::string(out.empty() ? "" : " ") + n;
    return out;
  };
  ASSERT_TRUE(top.WaitFor([&](const std::string& x) { return order(x) == "aaa mmm zzz"; }, &s))
      << s;
  // zzz's agent stops and waits at its prompt (Claude Code's Stop hook)...
  ASSERT_EQ(
      Ctl("hook claude", R"({"session_id":"zzz-id","cwd":"/src/z","hook_event_name":"Stop"})"), 0);
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) {
        return order(x) == "zzz aaa mmm" &&
               LineOf(x, "zzz").find("needs input") != std::string::npos &&
               x.find("1 need you") != std::string::npos;
      },
      &s))
      << s;
  // ...and aaa's asks for a permission: both need the user, by name.
  ASSERT_EQ(Ctl("hook claude",
                R"({"session_id":"aaa-id","cwd":"/src/a","hook_event_name":"Notification",)"
                R"("notification_type":"permission_prompt",)"
                R"("message":"Claude needs your permission to use Bash"})"),
            0);
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) {
        return order(x) == "aaa zzz mmm" &&
               LineOf(x, "aaa").find("needs permission") != std::string::npos &&
               x.find("2 need you") != std::string::npos;
      },
      &s))
      << s;
  top.Keys("n");
  ASSERT_TRUE(top.WaitFor([&](const std::string& x) { return order(x) == "aaa zzz"; }, &s)) << s;
  top.Keys("n");
  top.Keys("s");  // by name: the needs no longer lead
  ASSERT_TRUE(top.WaitFor(
      [&](const std::string& x) {
        return order(x) == "aaa mmm zzz" && x.find("sort: name") != std::string::npos;
      },
      &s))
      << s;
}

}  // namespace
}  // namespace roster

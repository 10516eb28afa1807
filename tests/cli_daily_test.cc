// cli_daily_test.cc — the command line a person meets every day, through the
// real binaries: --version everywhere, unknown commands that list the valid
// ones, `help TOPIC`, `ls` showing the sessions in play, `register` printing
// the id, tables that fit the terminal, `team up --prefix`, and the
// generated shell completions (bash and zsh) with live session names.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include "cli_harness.h"
#include "core/entities.h"

namespace roster {
namespace {

using testing::Daemon;
using testing::Ran;
using testing::Sh;
namespace bj = boost::json;

const std::string kCtl = testing::BinaryUnderTest("ROSTER_TEST_ROSTERCTL", ROSTERCTL_PATH);
const std::string kBackup = testing::BinaryUnderTest("ROSTER_TEST_BACKUP", ROSTER_BACKUP_PATH);
const std::string kGenerated = ROSTER_GENERATED_DIR;

class Daily : public ::testing::Test {
 protected:
  void SetUp() override {
    d.Config({{"cleanup_interval_ms", 50}});
    d.Start();
  }
  Ran Ctl(const std::string& args) { return Sh(d, kCtl + " " + args); }
  Daemon d;
};

TEST_F(Daily, VersionIsOneStringOnAllThreePrograms) {
  for (const std::string prog : {"rosterd", "rosterctl", "roster-backup"}) {
    const std::string path = prog == "rosterd"     ? ROSTERD_PATH
                             : prog == "rosterctl" ? kCtl
                                                   : kBackup;
    Ran r = Sh(d, path + " --version");
    EXPECT_EQ(r.code, 0) << prog;
    EXPECT_EQ(r.out, prog + " " ROSTER_VERSION "\n");
  }
}

TEST_F(Daily, UnknownCommandsSayWhatIsValid) {
  Ran show = Ctl("session show alpha");
  EXPECT_EQ(show.code, 2);
  EXPECT_NE(show.err.find("rosterctl: unknown command 'show' for 'session'; valid: register, "
                          "heartbeat, update, get, list,"),
            std::string::npos)
      << show.err;
  EXPECT_NE(show.err.find("rosterctl session --help"), std::string::npos) << show.err;
  Ran top = Ctl("frobnicate");
  EXPECT_EQ(top.code, 2);
  EXPECT_NE(top.err.find("unknown command 'frobnicate'; valid: session, ls, pause, send, output, "
                         "resume, team"),
            std::string::npos)
      << top.err;
  Ran bare = Ctl("--socket /x team");  // an option's value is not a command
  EXPECT_EQ(bare.code, 2);
  EXPECT_NE(bare.err.find("'team' needs a command; valid: up, down, list"), std::string::npos)
      << bare.err;
  Ran backup = Sh(d, kBackup + " bakcup a b");
  EXPECT_EQ(backup.code, 2);
  EXPECT_NE(backup.err.find("unknown command 'bakcup'; valid: backup, restore, export"),
            std::string::npos)
      << backup.err;
  EXPECT_EQ(Ctl("session get").code, 2);  // a missing argument is still a usage error
  EXPECT_EQ(Ctl("session get --help").code, 0);
}

TEST_F(Daily, HelpTopicsExplainTheConcepts) {
  Ran list = Ctl("help");
  EXPECT_EQ(list.code, 0);
  for (const char* topic : {"liveness", "pause", "feed"})
    EXPECT_NE(list.out.find(std::string("  ") + topic + " - "), std::string::npos) << list.out;
  EXPECT_NE(Ctl("help liveness").out.find("process_exited"), std::string::npos);
  EXPECT_NE(Ctl("help pause").out.find("session resume"), std::string::npos);
  EXPECT_NE(Ctl("help feed").out.find("--since"), std::string::npos);
  Ran cmd = Ctl("help session register");
  EXPECT_EQ(cmd.code, 0);
  EXPECT_NE(cmd.out.find("rosterctl session register [OPTIONS]"), std::string::npos) << cmd.out;
  Ran nope = Ctl("help nope");
  EXPECT_EQ(nope.code, 2);
  EXPECT_NE(nope.err.find("topics: liveness,pause,feed"), std::string::npos) << nope.err;
}

TEST_F(Daily, LsShowsTheSessionsInPlayAndAllWithAll) {
  for (const char* n : {"working", "resting", "done", "lost"})
    ASSERT_EQ(Ctl(std::string("session register --name ") + n).code, 0);
  ASSERT_EQ(Ctl("pause resting -m lunch").code, 0);
  ASSERT_EQ(Ctl("session stop done").code, 0);
  ASSERT_EQ(Ctl("session update lost --ttl 1").code, 0);
  for (int i = 0; i < 200 && Ctl("--json session get lost").out.find("stale") == std::string::npos;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const std::string ls : {"ls", "session list"}) {
    Ran r = Ctl(ls);
    EXPECT_NE(r.out.find("working"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("resting"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("done"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("lost"), std::string::npos) << r.out;
  }
  Ran all = Ctl("ls --all");
  for (const char* n : {"working", "resting", "done", "lost"})
    EXPECT_NE(all.out.find(n), std::string::npos) << all.out;
  EXPECT_EQ(bj::parse(Ctl("--json ls --status stopped").out).at("sessions").as_array().size(), 1u);
}

TEST_F(Daily, RegisterPrintsTheNewId) {
  Ran r = Ctl("session register --name fresh");
  ASSERT_EQ(r.code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\nid: ([0-9a-f-]{36})\n"))) << r.out;
  EXPECT_EQ(bj::parse(Ctl("--json session get fresh").out).at("id").as_string(), m[1].str());
}

// Display columns of a line (UTF-8 continuation bytes do not count).
size_t Columns(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line) n += (c & 0xC0) != 0x80;
  return n;
}

TEST_F(Daily, TablesFitTheWidthByCuttingThenDroppingColumns) {
  const std::string root = "/home/someone/src/a-rather-long-project-name/with/a/deep/path/inside";
  ASSERT_EQ(Ctl("session register --name alpha --root " + root).code, 0);
  ASSERT_EQ(Ctl("pause alpha -m 'a long note that says where the work stopped and why'").code, 0);
  Ran wide = Ctl("ls");  // a pipe: whole rows
  EXPECT_NE(wide.out.find(root), std::string::npos) << wide.out;
  for (int width : {100, 60, 30}) {
    Ran r = Sh(d, "COLUMNS=" + std::to_string(width) + " " + kCtl + " ls");
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);)
      EXPECT_LE(Columns(l), static_cast<size_t>(width)) << width << ":\n" << r.out;
    EXPECT_NE(r.out.find("STATUS  NAME"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("alpha"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\u2026"), std::string::npos) << r.out;  // cut, not wrapped
  }
  EXPECT_EQ(Sh(d, "COLUMNS=30 " + kCtl + " ls").out.find("NOTE"), std::string::npos);

  // On a real terminal the width is the terminal's.
  if (std::system("command -v tmux >/dev/null") != 0) GTEST_FAIL() << "tmux is not installed";
  const std::string tmux = "tmux -L roster-width-" + std::to_string(getpid()) + " ";
  ASSERT_EQ(std::system((tmux + "new-session -d -s w -x 50 -y 20 'env -u COLUMNS ROSTER_SOCKET=" +
                         d.socket() + " " + kCtl + " ls; sleep 30'")
                            .c_str()),
            0);
  std::string screen;
  for (int i = 0; i < 100 && screen.find("alpha") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    screen = Sh(d, tmux + "capture-pane -p -J -t w").out;  // -J: wrapped lines joined
  }
  std::system((tmux + "kill-server 2>/dev/null").c_str());
  std::istringstream lines(screen);
  for (std::string l; std::getline(lines, l);) EXPECT_LE(Columns(l), 50u) << screen;
  EXPECT_NE(screen.find("alpha"), std::string::npos) << screen;
}

TEST_F(Daily, TeamUpPrefixIsJoinedWithASeparator) {
  ASSERT_EQ(Ctl("team up proj /r dev --prefix pa").code, 0);
  EXPECT_NE(Ctl("team roster /r").out.find("pa-proj-dev"), std::string::npos);
  ASSERT_EQ(Ctl("team up other /q dev --prefix x_").code, 0);
  EXPECT_NE(Ctl("team roster /q").out.find("x_other-dev"), std::string::npos);
}

// ---- completions, generated at build time from the command definitions

// Runs `script` in a shell (bash or zsh) with the generated completion for
// rosterctl loaded; returns what it printed.
Ran InShell(const Daemon& d, const std::string& shell, const std::string& script) {
  std::ofstream(d.dir().File("complete.sh")) << script;
  return Sh(d, "PATH=" + std::filesystem::path(kCtl).parent_path().string() + ":$PATH " + shell +
                   " " + d.dir().File("complete.sh"));
}

TEST_F(Daily, BashCompletionCompletesCommandsOptionsAndLiveSessionNames) {
  ASSERT_EQ(Ctl("session register --name alpha").code, 0);
  ASSERT_EQ(Ctl("session register --name alps").code, 0);
  Ran r = InShell(d, "bash --norc --noprofile", R"(
source /usr/share/bash-completion/bash_completion
source )" + kGenerated + R"(/bash/rosterctl
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _rosterctl; echo "$*|${COMPREPLY[*]}"; }
complete -p rosterctl
t rosterctl se
t rosterctl session he
t rosterctl session get al
t rosterctl --socket /nowhere session get al
t rosterctl pause a
t rosterctl ls --st
t rosterctl ls --status pa
t rosterctl session register --ttl 5 --na
)");
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("complete -F _rosterctl rosterctl"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl se|session send\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl session he|heartbeat\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl session get al|alpha alps\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/nowhere session get al|\n"), std::string::npos) << r.out;  // silent
  EXPECT_NE(r.out.find("rosterctl pause a|alpha alps\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl ls --st|--status\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl ls --status pa|paused\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--ttl 5 --na|--name\n"), std::string::npos) << r.out;
  for (const char* prog : {"rosterd", "roster-backup"}) {
    Ran other = InShell(d, "bash --norc --noprofile",
                        "source " + kGenerated + "/bash/" + prog + " && complete -p " + prog);
    EXPECT_EQ(other.code, 0) << other.err;
    EXPECT_EQ(other.err, "");
  }
}

TEST_F(Daily, ZshCompletionCompletesCommandsAndLiveSessionNames) {
  ASSERT_EQ(Ctl("session register --name alpha").code, 0);
  // zsh's completion widgets only run inside the line editor; the builtins the
  // script calls are replaced by ones that print what they were given.
  Ran r = InShell(d, "zsh -f", R"(
source )" + kGenerated + R"(/zsh/_rosterctl 2>/dev/null
_describe() { print -r -- "${(P)4}"; }
compadd() { print -r -- "${(P)${@[-1]}}"; }
_files() { print -r -- "files $*"; }
t() { words=("$@"); CURRENT=${#words}; print -rn -- "$*|"; _rosterctl; }
t rosterctl se
t rosterctl session get al
t rosterctl team up p ''
t rosterctl watch --entity ''
)");
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("rosterctl se|session:sessions\\: register"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl session get al|alpha\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rosterctl team up p |files -/\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--entity |" + EntityNames(" ") + "\n"), std::string::npos) << r.out;
}

TEST_F(Daily, SessionNamesForCompletionAreSilentWithoutADaemon) {
  ASSERT_EQ(Ctl("session register --name alpha").code, 0);
  Ran live = Ctl("__complete sessions");
  EXPECT_EQ(live.code, 0);
  EXPECT_EQ(live.out, "alpha\n");
  Ran down = Sh(d, kCtl + " --socket " + d.dir().File("none.sock") + " __complete sessions");
  EXPECT_EQ(down.code, 0);
  EXPECT_EQ(down.out + down.err, "");
}

// ---- roster-backup's progress display

// Runs a shell command line with its stdin, stdout and stderr on a new
// pseudo-terminal (as in a terminal window); returns what the terminal got.
std::string OnTerminal(const std::string& cmd) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {  // EIO once the child and its children closed the terminal
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 30'000) <= 0) break;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  waitpid(pid, nullptr, 0);
  return out;
}

TEST_F(Daily, BackupToolsShowProgressOnATerminalOnly) {
  {  // 3,000 sessions, pipelined
    testing::RpcClient c = d.Client();
    for (int i = 0; i < 3000; ++i)
      c.SendRaw(R"({"jsonrpc":"2.0","id":1,"method":"session.register","params":{}})"
                "\n");
    for (int i = 0; i < 3000; ++i) ASSERT_TRUE(c.ReadResponse().as_object().contains("result"));
  }
  const std::string db = d.db(), dump = d.dir().File("dump.ndjson");
  struct Case {
    std::string cmd, what;
  } cases[] = {
      {kBackup + " export " + db + " > " + dump, "export  ["},
      {kBackup + " import " + dump + " " + d.dir().File("copy.db"), "import  ["},
      {kBackup + " verify " + db + " > /dev/null", "verify  ["},
      {kBackup + " backup " + db + " " + d.dir().File("b.db") + " > /dev/null", "backup  ["},
  };
  for (const auto& c : cases) {
    const std::string term = OnTerminal(c.cmd);
    EXPECT_NE(term.find("\r" + c.what), std::string::npos) << c.cmd << ":\n" << term;
    EXPECT_NE(term.find("100%"), std::string::npos) << c.cmd << ":\n" << term;
    EXPECT_NE(term.find("/s"), std::string::npos) << c.cmd << ":\n" << term;  // a rate
    std::filesystem::remove(d.dir().File("copy.db"));
    // --quiet on a terminal, and a pipe: no progress.
    const std::string quiet = OnTerminal(c.cmd + " --quiet");
    EXPECT_EQ(quiet.find(c.what), std::string::npos) << c.cmd << ":\n" << quiet;
    std::filesystem::remove(d.dir().File("copy.db"));
    Ran piped = Sh(d, "sh -c '" + c.cmd + "'");
    EXPECT_EQ(piped.err, "") << c.cmd;
    EXPECT_EQ(piped.code, 0) << c.cmd;
    std::filesystem::remove(d.dir().File("copy.db"));
  }
  // Rows done of the total: every session and its feed row, and the meta rows.
  const std::string term = OnTerminal(kBackup + " export " + db + " > " + dump);
  EXPECT_TRUE(std::regex_search(term, std::regex(R"(\] +6,0[0-9][0-9]/6,0[0-9][0-9] rows  100%)")))
      << term;
}

}  // namespace
}  // namespace roster

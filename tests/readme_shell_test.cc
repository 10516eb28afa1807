// readme_shell_test.cc — every ```sh example of the README, in order, as
// written, on a user's machine in a temporary directory (install_harness.h):
// the install into ~/.local, then everything after it with the installed
// programs on PATH and rosterd running. The examples run in one bash, so
// their variables carry over; each command must exit 0 and no JSON-RPC reply
// may be an error. Three kinds of line are run differently, each for a
// stated reason:
//   - `tools/…` (the two commands) built this tree and run its tests: skipped;
//   - `systemctl --user …`: CI has no user manager, so a stand-in does what
//     the manager does with the installed unit: runs its ExecStart (with %t
//     expanded) and waits for the socket, or stops it with SIGTERM (it and
//     variable assignments run in the test's shell, the rest in subshells);
//   - an example marked "Ctrl-C to stop" streams: it runs in the background
//     while a new session is registered, and must print that session's event;
//   - a `sqlite3` write runs 20 times beside a write load on rosterd.
#include <regex>
#include <sstream>

#include "install_harness.h"

namespace roster {
namespace {

using testing::Ran;
using testing::UserMachine;

struct Example {
  std::string line;
  std::string comment;  // the comment lines right above it, if any
};

// The examples of the README's ```sh blocks (`info` "sh"), or of its
// ```sh dqlite blocks (the Engines section's, run against a dqlite rosterd).
std::vector<Example> ShellExamples(const std::string& info = "sh") {
  std::string text = testing::Slurp(ROSTER_SOURCE_DIR "/README.md");
  std::vector<Example> out;
  std::regex fence("```" + info + "\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(text.begin(), text.end(), fence), end; it != end; ++it) {
    std::istringstream lines((*it)[1].str());
    std::string comment;
    for (std::string l; std::getline(lines, l);) {
      while (!l.empty() && l.back() == '\\') {  // continuation lines
        std::string next;
        if (!std::getline(lines, next)) break;
        l = l.substr(0, l.size() - 1) + next;
      }
      if (l.find_first_not_of(' ') == std::string::npos) continue;
      if (l[0] == '#') {
        comment += l + "\n";
        continue;
      }
      out.push_back({l, comment});
      comment.clear();
    }
  }
  return out;
}

// Single-quoted for bash.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

const char* kPreamble = R"SH(set -uo pipefail
set -m  # background jobs get their own process group
log() { printf '%s\n' "$*" >&2; }
fail() { log "README example failed: $*"; exit 1; }
pid=
stop_daemon() {
  [[ -n $pid ]] || return 0
  kill -TERM "$pid"; wait "$pid"; local rc=$?; pid=
  ((rc == 0)) || fail "rosterd exited $rc on SIGTERM"
}
trap 'stop_daemon; kill -- -$load 2>/dev/null; kill -- -$stream 2>/dev/null' EXIT
load= stream=
# What the systemd user manager does with the installed units.
systemctl() {
  local unit=$HOME/.local/share/systemd/user/rosterd.service
  [[ $1 == --user ]] || fail "systemctl without --user"
  shift
  [[ -f $unit && -f ${unit%.service}.socket ]] || fail "the units are not installed"
  case $1 in
    daemon-reload) ;;
    enable | start)
      [[ -n $pid ]] && return 0
      local exec; exec=$(sed -n 's/^ExecStart=//p' "$unit")
      exec=${exec//%t/$XDG_RUNTIME_DIR}
      $exec </dev/null >>rosterd.log 2>&1 &
      pid=$!
      for _ in $(seq 500); do rosterctl status >/dev/null 2>&1 && return 0; sleep 0.01; done
      fail "rosterd did not start: $(cat rosterd.log)" ;;
    stop) stop_daemon ;;
    *) fail "systemctl $1 is not emulated" ;;
  esac
}
run() {  # one example, in a subshell; prints its output
  local out rc
  out=$(eval "$1" 2>&1 </dev/null); rc=$?
  printf '%s\n' "$out"
  ((rc == 0)) || fail "$1 (exit $rc): $out"
  [[ $out != *'"error":{'* ]] || fail "$1 got an error reply: $out"
}
run_streaming() {
  eval "$1" >stream.out 2>&1 </dev/null &
  stream=$!
  sleep 0.3
  rosterctl session register --name after-the-watch-began >/dev/null || fail "register"
  for _ in $(seq 200); do grep -q '"name":"after-the-watch-began"' stream.out && break; sleep 0.02; done
  kill -- -$stream; wait $stream 2>/dev/null; stream=
  grep -q '"result":{"watch_id"' stream.out || fail "$1 did not start a watch: $(cat stream.out)"
  grep -q '"name":"after-the-watch-began"' stream.out ||
    fail "$1 stopped streaming: no event for a change made after it started: $(cat stream.out)"
  log "streamed: $(grep -c watch.event stream.out) events"
}
run_write_under_load() {
  (while :; do rosterctl log append alpha load '"x"' >/dev/null || exit 1; done) &
  load=$!
  for i in $(seq 20); do run "$1" >/dev/null; done
  kill -- -$load; wait $load 2>/dev/null; load=
}
)SH";

TEST(ReadmeShell, EveryShellExampleRunsAsWritten) {
  std::vector<Example> examples = ShellExamples();
  ASSERT_GE(examples.size(), 20u);
  std::string script = kPreamble;
  int skipped = 0, streamed = 0, loaded = 0;
  for (const auto& e : examples) {
    const std::string& l = e.line;
    script += "log " + Quote("$ " + l) + "\n";
    if (l.rfind("tools/", 0) == 0) {
      ++skipped;
    } else if (std::regex_search(l, std::regex("^((export )?[A-Za-z_]+=|systemctl )"))) {
      script += l + " || fail " + Quote(l) + "\n";  // in this shell: variables, the daemon
    } else if (e.comment.find("Ctrl-C to stop") != std::string::npos) {
      script += "run_streaming " + Quote(l) + "\n";
      ++streamed;
    } else if (l.rfind("sqlite3 ", 0) == 0 && l.find("UPDATE") != std::string::npos) {
      script += "run_write_under_load " + Quote(l) + "\n";
      ++loaded;
    } else {
      script += "run " + Quote(l) + "\n";
    }
  }
  script += "stop_daemon\nlog 'all examples ran'\n";
  EXPECT_EQ(skipped, 2);
  EXPECT_EQ(streamed, 1);
  EXPECT_EQ(loaded, 1);

  UserMachine m;
  Ran r = m.Sh(script, 120);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("all examples ran"), std::string::npos) << r.err;
  // The examples followed XDG_STATE_HOME: nothing in the default place.
  EXPECT_TRUE(std::filesystem::exists(m.state_home() + "/roster/roster.db"));
  EXPECT_FALSE(std::filesystem::exists(m.home() + "/.local/state/roster"));
  EXPECT_TRUE(std::filesystem::exists(m.state_home() + "/roster/roster.db.before-restore"));
}

// The Engines section's ```sh dqlite examples, as written but on a free
// port: the installed rosterd with --engine dqlite runs in the background (as
// "in another terminal" says), the others in order against it.
TEST(ReadmeShell, DqliteExamplesRunAsWritten) {
  std::vector<Example> examples = ShellExamples("sh dqlite");
  ASSERT_GE(examples.size(), 5u);
  const std::string port = std::to_string(testing::FreeLoopbackPort());
  std::string script = kPreamble;
  script += "cmake --install build --prefix ~/.local >/dev/null || fail install\n";
  int daemons = 0;
  for (const auto& e : examples) {
    const std::string l =
        std::regex_replace(e.line, std::regex("127\\.0\\.0\\.1:9001"), "127.0.0.1:" + port);
    script += "log " + Quote("$ " + l) + "\n";
    if (l.rfind("rosterd ", 0) == 0) {  // its comment dropped: it runs in the background
      script += std::regex_replace(l, std::regex("\\s+#.*$"), "") +
                " >rosterd.log 2>&1 &\npid=$!\n"
                "for _ in $(seq 1000); do rosterctl status >/dev/null 2>&1 && break; sleep 0.01; "
                "done\nrosterctl status >/dev/null || fail \"rosterd did not start: $(cat "
                "rosterd.log)\"\n";
      ++daemons;
    } else {
      script += "run " + Quote(l) + "\n";
    }
  }
  script += "stop_daemon\nlog 'all examples ran'\n";
  EXPECT_EQ(daemons, 1);
  testing::UserMachine m;
  Ran r = m.Sh(script, 120);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("all examples ran"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("alpha|"), std::string::npos) << r.out;  // the shell printed its rows
  EXPECT_TRUE(std::filesystem::exists(m.home() + "/.local/state/roster/dqlite/rosterd.lock"));
}

}  // namespace
}  // namespace roster

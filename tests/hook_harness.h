// hook_harness.h — drives fake-claude (tests/fake_claude.cc), the stand-in
// for Claude Code that runs `rosterctl hook claude` through `sh -c`, and a
// private tmux server for the tests that need a terminal.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "cli_harness.h"

namespace roster::testing {

const std::string kFakeClaude = FAKE_CLAUDE_PATH;

// A hook payload as Claude Code writes it.
inline std::string HookPayload(const std::string& session, const std::string& event,
                               json::object extra = {}, const std::string& cwd = "/src/app") {
  json::object p{{"session_id", session},
                 {"transcript_path", "/home/me/.claude/projects/app/" + session + ".jsonl"},
                 {"hook_event_name", event}};
  if (!cwd.empty()) p["cwd"] = cwd;
  for (auto& [k, v] : extra) p[k] = v;
  return json::serialize(p);
}

struct HookRun {
  int code = -1;
  std::string out, err;
  double ms = 0;
};

// One fake Claude Code process. Its environment is the test's, minus tmux
// (the hook must not see the developer's own tmux), plus `env`.
class FakeClaude {
 public:
  // `hook` is the hook command line, run by `sh -c`.
  FakeClaude(const TempDir& dir, std::string hook, std::map<std::string, std::string> env = {})
      : dir_(dir.File("claude-" + std::to_string(++count_))),
        hook_(std::move(hook)),
        env_(std::move(env)) {
    ::mkdir(dir_.c_str(), 0700);
    ::mkfifo((dir_ + "/cmd").c_str(), 0600);
    ::mkfifo((dir_ + "/res").c_str(), 0600);
  }
  ~FakeClaude() { Kill(); }

  // The shell command that starts it in place of the shell (for tmux
  // new-session: the pane's process is then fake-claude, with tmux's own
  // TMUX and TMUX_PANE).
  std::string CommandLine() const {
    std::string cmd = "exec env FAKE_CLAUDE_HOOK='" + hook_ + "'";
    for (const auto& [k, v] : env_) cmd += " " + k + "='" + v + "'";
    return cmd + " " + kFakeClaude + " " + dir_;
  }

  // Starts it as a child of the test; its output goes to DIR/stdout.
  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      ::unsetenv("TMUX");
      ::unsetenv("TMUX_PANE");
      ::setenv("FAKE_CLAUDE_HOOK", hook_.c_str(), 1);
      for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      int out = ::open((dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      execl(kFakeClaude.c_str(), "fake-claude", dir_.c_str(), nullptr);
      _exit(127);
    }
    Connect();
  }

  // Opens the FIFOs (call after starting it some other way, e.g. in tmux).
  void Connect() {
    cmd_ = std::fopen((dir_ + "/cmd").c_str(), "w");
    res_ = std::fopen((dir_ + "/res").c_str(), "r");
    if (!cmd_ || !res_) throw std::runtime_error("fake-claude did not start");
  }

  // Runs the hook once with `payload` on its stdin.
  HookRun Run(const std::string& payload) {
    std::fprintf(cmd_, "%s\n", payload.c_str());
    std::fflush(cmd_);
    std::string line;
    for (int c; (c = std::fgetc(res_)) != EOF && c != '\n';) line += static_cast<char>(c);
    if (line.empty()) throw std::runtime_error("fake-claude died");
    json::value v = json::parse(line);
    return {static_cast<int>(v.at("code").as_int64()), std::string(v.at("stdout").as_string()),
            std::string(v.at("stderr").as_string()), v.at("ms").to_number<double>()};
  }

  // Its pid: the child's, or (started elsewhere) as the hook would find it.
  pid_t pid() const { return pid_; }
  void set_pid(pid_t pid) { pid_ = pid; }
  const std::string& dir() const { return dir_; }

  // Ends it as a crash would (SIGKILL) and reaps it when it is our child.
  void Kill() {
    if (cmd_) std::fclose(cmd_);
    if (res_) std::fclose(res_);
    cmd_ = res_ = nullptr;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  static inline int count_ = 0;
  std::string dir_, hook_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  FILE* cmd_ = nullptr;
  FILE* res_ = nullptr;
};

// A tmux server of its own (tmux -L), killed with everything in it at the end.
class PrivateTmux {
 public:
  PrivateTmux() : name_("roster-test-" + std::to_string(getpid()) + "-" + std::to_string(++n_)) {}
  ~PrivateTmux() { std::system((Cmd() + " kill-server 2>/dev/null").c_str()); }
  // "tmux -L NAME " to prefix commands with.
  std::string Cmd() const { return "tmux -L " + name_ + " "; }
  // The server's socket path, as $TMUX names it.
  std::string Socket() const {
    const char* dir = std::getenv("TMUX_TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/tmux-" + std::to_string(getuid()) + "/" +
           name_;
  }
  // Runs a tmux command; its stdout, trailing newline dropped.
  std::string Run(const std::string& args) const {
    std::string out;
    FILE* p = ::popen((Cmd() + args).c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

 private:
  static inline int n_ = 0;
  std::string name_;
};

}  // namespace roster::testing

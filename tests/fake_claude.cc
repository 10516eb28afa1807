// fake_claude.cc — plays Claude Code for the hook tests: a long-lived
// process that runs its command hook the way Claude Code does (through
// `sh -c`, the payload on the hook's stdin), so the hook's walk up to "the
// agent's process" meets a real shell and then this process.
//
//   fake-claude DIR
//
// Commands arrive on the FIFO DIR/cmd, one hook payload (JSON) per line; for
// each, the hook command ($FAKE_CLAUDE_HOOK) runs and one JSON line goes to
// the FIFO DIR/res: {"code":N,"stdout":"...","stderr":"...","ms":M}.
// Lines typed into its terminal (tmux send-keys) are echoed on stdout as
// "fake-claude got: LINE", as an agent's prompt would take them.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

extern char** environ;

namespace {

namespace json = boost::json;

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// Runs `sh -c HOOK` with `payload` on its stdin, as Claude Code runs a hook.
json::object RunHook(const std::string& hook, const std::string& payload) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return {{"code", -2}};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
    posix_spawn_file_actions_addclose(&fa, fd);
  const char* argv[] = {"sh", "-c", hook.c_str(), nullptr};
  const auto start = std::chrono::steady_clock::now();
  pid_t child = 0;
  int rc = posix_spawn(&child, "/bin/sh", &fa, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) return {{"code", -3}};
  std::thread writer([&] {
    size_t off = 0;
    while (off < payload.size()) {
      ssize_t n = ::write(in[1], payload.data() + off, payload.size() - off);
      if (n <= 0) break;  // the hook stopped reading
      off += static_cast<size_t>(n);
    }
    close(in[1]);
  });
  std::string err_text;
  std::thread errs([&] { err_text = ReadAll(err[0]); });
  std::string out_text = ReadAll(out[0]);
  errs.join();
  writer.join();
  int status = 0;
  waitpid(child, &status, 0);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  close(out[0]);
  close(err[0]);
  return {{"code", WIFEXITED(status) ? WEXITSTATUS(status) : -1},
          {"stdout", out_text},
          {"stderr", err_text},
          {"ms", ms}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fake-claude DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const char* hook = std::getenv("FAKE_CLAUDE_HOOK");
  if (!hook) {
    std::cerr << "fake-claude: set FAKE_CLAUDE_HOOK\n";
    return 2;
  }
  std::cout << "fake-claude ready" << std::endl;
  std::thread([] {  // the agent's prompt
    std::string line;
    while (std::getline(std::cin, line)) std::cout << "fake-claude got: " << line << std::endl;
  })
      .detach();
  FILE* cmd = std::fopen((dir + "/cmd").c_str(), "r");
  FILE* res = std::fopen((dir + "/res").c_str(), "w");
  if (!cmd || !res) return 1;
  std::string line;
  for (int c; (c = std::fgetc(cmd)) != EOF;) {
    if (c != '\n') {
      line += static_cast<char>(c);
      continue;
    }
    const std::string out = json::serialize(RunHook(hook, line)) + "\n";
    std::fwrite(out.data(), 1, out.size(), res);
    std::fflush(res);
    line.clear();
  }
  return 0;
}

// top.cc — `rosterctl top`: an operator's console over the live registry.
// Wires the Model, the Link and the Screen to the Console and runs the loop:
// poll(2) on the terminal and the daemon's socket, hand keys to the console
// and messages to the link (read at most ten times a second), let both do
// their timed work, and draw when something changed (at most ten frames a
// second while the feed streams, and once a second anyway, so relative times
// move). Ctrl-C, SIGTERM and SIGHUP
// end it like `q`, restoring the terminal.
#include <ncurses.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "ctl/commands.h"
#include "ctl/top/console.h"

namespace roster::ctl {

namespace {

volatile sig_atomic_t g_quit = 0;
void OnQuitSignal(int) { g_quit = 1; }

constexpr int64_t kFrameMs = 100;    // the shortest time between two frames
constexpr int64_t kRedrawMs = 1000;  // the longest
constexpr int64_t kReadMs = 100;     // the shortest time between two reads of the socket

}  // namespace

int RunTop(const Context& ctx) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    return Fail(Status::InvalidParams(
        "top needs a terminal; for a stream of changes use `rosterctl watch --snapshot`"));
  }
  top::Model model;
  top::Link link(ctx.socket, model);
  if (Status s = link.Start(NowMs()); !s.ok()) return Fail(s);
  struct sigaction quit {};
  quit.sa_handler = OnQuitSignal;  // no SA_RESTART: poll returns at once
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &quit, nullptr);
  auto screen = top::Screen::Open();
  if (!screen.ok()) return Fail(screen.status());
  top::Console console(link, model, **screen);
  int64_t last_draw = 0, last_read = 0;
  while (!g_quit) {
    int64_t now = NowMs();
    bool keyed = false;
    for (int key; (key = (*screen)->ReadKey()) != ERR;) {
      keyed = true;
      if (!console.OnKey(key, now)) return kExitOk;
    }
    if (link.Tick(now)) console.MarkDirty();
    console.Tick(now);
    if (keyed || (console.dirty() && now - last_draw >= kFrameMs) || now - last_draw >= kRedrawMs) {
      console.Draw(now);
      last_draw = now;
    }
    // The socket is read at most every kReadMs (at once while a backlog is
    // waiting), so a streaming feed wakes the console ten times a second,
    // not once per event; keys wake it at once.
    const int64_t read_in = link.backlog() ? 0 : std::max<int64_t>(0, last_read + kReadMs - now);
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {read_in == 0 ? link.fd() : -1, POLLIN, 0}};
    int64_t timeout = console.dirty() ? kFrameMs : 250;
    if (read_in > 0) timeout = std::min(timeout, read_in);
    if (link.backlog()) timeout = 0;
    ::poll(fds, 2, static_cast<int>(timeout));
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) || link.backlog()) {
      last_read = NowMs();
      if (link.Pump(last_read)) console.MarkDirty();
    }
  }
  return kExitOk;
}

}  // namespace roster::ctl

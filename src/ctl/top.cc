// top.cc — `rosterctl top`: a live table of sessions driven by `watch`
// (snapshot of sessions and pauses, then changes), redrawn in place once a
// second and on every change; `q` or Ctrl-C quits and restores the terminal.
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <map>

#include "ctl/client.h"
#include "ctl/commands.h"

namespace roster::ctl {

namespace json = boost::json;

namespace {

volatile sig_atomic_t g_quit = 0;
void OnSignal(int) { g_quit = 1; }

// Raw, non-echoing stdin while alive (when stdin is a terminal).
class RawTerminal {
 public:
  RawTerminal() {
    if (!isatty(0) || tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    tcsetattr(0, TCSANOW, &raw);
    active_ = true;
    std::cout << "\x1b[?25l";  // hide the cursor
  }
  ~RawTerminal() {
    if (active_) tcsetattr(0, TCSANOW, &saved_);
    std::cout << "\x1b[?25h" << std::flush;
  }

 private:
  termios saved_{};
  bool active_ = false;
};

struct View {
  std::map<std::string, json::object> sessions;     // id -> session row
  std::map<std::string, json::object> open_pauses;  // session id -> pause row
  int64_t rev = 0;

  void Apply(const json::object& ev) {
    const std::string entity(ev.at("entity").as_string());
    const std::string op(ev.at("op").as_string());
    const json::object& data = ev.at("data").as_object();
    if (auto* r = ev.if_contains("rev"); r && r->is_int64()) rev = std::max(rev, r->as_int64());
    if (entity == "session") {
      std::string id(data.at("id").as_string());
      if (op == "delete") {
        sessions.erase(id);
        open_pauses.erase(id);
      } else {
        sessions[id] = data;
      }
    } else if (entity == "pause") {
      std::string sid(data.at("session_id").as_string());
      if (op == "delete" || !data.at("resumed_at").is_null())
        open_pauses.erase(sid);
      else
        open_pauses[sid] = data;
    }
  }

  std::string Render(const Style& style) const {
    json::array rows;
    for (const auto& [id, s] : sessions) {
      json::object row = s;
      auto p = open_pauses.find(id);
      row["pause"] = p == open_pauses.end() ? json::value(nullptr) : json::value(p->second);
      rows.push_back(std::move(row));
    }
    return SessionsTable(rows, style);
  }
};

void Draw(const View& view, const Context& ctx) {
  Style style = ctx.style;
  style.now_ms = NowMs();
  std::string out = "\x1b[H\x1b[2J";  // home + clear
  out += "roster top — " + std::to_string(view.sessions.size()) + " sessions, rev " +
         std::to_string(view.rev) + "  (q to quit)\n\n";
  out += view.Render(style);
  std::cout << out << std::flush;
}

}  // namespace

int RunTop(const Context& ctx) {
  auto client = Client::Connect(ctx.socket);
  if (!client.ok()) return Fail(client.status());
  auto started = client.value()->Call(
      "watch", {{"snapshot", true}, {"entities", json::array{"session", "pause"}}});
  if (!started.ok()) return Fail(started.status());
  ::signal(SIGINT, OnSignal);
  ::signal(SIGTERM, OnSignal);
  RawTerminal term;
  View view;
  view.rev = started->at("rev").as_int64();
  Draw(view, ctx);
  auto last_draw = NowMs();
  while (!g_quit) {
    pollfd fds[2] = {{0, POLLIN, 0}, {client.value()->fd(), POLLIN, 0}};
    ::poll(fds, 2, 250);
    if (fds[0].revents & POLLIN) {
      char c = 0;
      if (::read(0, &c, 1) == 1 && (c == 'q' || c == 'Q' || c == 3)) break;
    }
    bool changed = false;
    for (;;) {  // drain every notification that is already here
      auto n = client.value()->Next(0);
      if (!n.ok()) {
        std::cout << "\x1b[H\x1b[2J";
        return Fail(n.status());
      }
      if (!n->has_value()) break;
      const json::value& note = **n;
      if (note.at("method") == "watch.event") {
        view.Apply(note.at("params").as_object());
        changed = true;
      } else if (note.at("method") == "watch.error") {
        return Fail(Status::Unavailable(std::string(note.at("params").at("message").as_string())));
      }
    }
    if (changed || NowMs() - last_draw >= 1000) {
      Draw(view, ctx);
      last_draw = NowMs();
    }
  }
  std::cout << "\n";
  return kExitOk;
}

}  // namespace roster::ctl

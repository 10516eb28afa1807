// pane_cmds.cc — rosterctl's commands that reach an agent through its tmux
// pane: `send`, `output`, and `resume` (which can hand the resumed agent a
// message with --say), each also under `session`.
#include <iostream>

#include "ctl/cli.h"

namespace roster::ctl {

namespace {

// resume, then (with --say) type the message: in that order, so the agent
// takes the message as a resumed session (a paused one would be told to
// stop at its next tool call). A session without a pane, or whose pane is
// on another host, is refused before anything changes.
int RunResume(Context& ctx, const std::string& session, const std::string& say) {
  if (say.empty()) {
    return RunCall(ctx, "session.resume", {{"session", session}},
                   [&](auto& r) { return Session(r, ctx.style); });
  }
  auto client = Client::Connect(ctx.socket);
  if (!client.ok()) return Fail(client.status());
  Client& c = *client.value();
  auto s = c.Call("session.get", {{"session", session}});
  if (!s.ok()) return Fail(s.status());
  const json::value* pane = s->is_object() ? s->as_object().if_contains("tmux_pane") : nullptr;
  if (!pane || !pane->is_string()) {
    return Fail(Status::InvalidState("session " + session +
                                     " has no tmux pane to type --say into (it was not "
                                     "registered from inside tmux); it was not resumed"));
  }
  // A pane of another host can be typed into only from there.
  const json::value* host = s->as_object().if_contains("host");
  if (host && host->is_string()) {
    auto status = c.Call("status", {});
    if (!status.ok()) return Fail(status.status());
    const json::value* here =
        status->is_object() ? status->as_object().if_contains("host") : nullptr;
    if (here && here->is_string() && *here != *host) {
      return Fail(Status::Unavailable("session " + session + " runs on host " +
                                      std::string(host->as_string()) +
                                      "; --say can type into its pane only from there; it was "
                                      "not resumed"));
    }
  }
  auto resumed = c.Call("session.resume", {{"session", session}});
  if (!resumed.ok()) return Fail(resumed.status());
  auto sent = c.Call("session.send", {{"session", session}, {"text", say}});
  if (!sent.ok()) {
    return Fail(Status(
        sent.status().code(),
        "resumed " + session + ", but could not type the message: " + sent.status().message()));
  }
  ctx.style.now_ms = NowMs();
  std::cout << (ctx.json ? json::serialize(*resumed) + "\n"
                         : Session(*resumed, ctx.style) + "typed into " +
                               std::string(pane->as_string()) + ": " + say + "\n")
            << std::flush;
  return kExitOk;
}

}  // namespace

void AddPaneCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  CLI::App* group = app.get_subcommand("session");
  auto session_arg = [&](CLI::App* c) {
    c->add_option("session", o.session, "session id or name")->required()->type_name("SESSION");
  };
  auto send = [&](CLI::App* c) {
    session_arg(c);
    c->add_option("text", o.text, "the line to type (Enter follows)")->required();
    c->callback([&] {
      plan.run = [&] {
        return RunCall(ctx, "session.send", {{"session", o.session}, {"text", o.text}},
                       [&](auto& r) { return "typed into " + Text(r.at("tmux_pane")) + "\n"; });
      };
    });
  };
  send(group->add_subcommand("send", "type a line and Enter into the session's tmux pane"));
  send(app.add_subcommand("send", "alias of `session send`"));
  auto output = [&](CLI::App* c) {
    session_arg(c);
    c->add_option("--lines", o.limit, "how many of the pane's last lines (default 50)");
    c->callback([&] {
      plan.run = [&] {
        json::object p{{"session", o.session}};
        Put(p, "lines", o.limit);
        return RunCall(ctx, "session.output", p, [](auto& r) {
          std::string out;
          for (const auto& l : r.at("lines").as_array()) out += Text(l) + "\n";
          return out;
        });
      };
    });
  };
  output(group->add_subcommand("output", "the last lines of the session's tmux pane"));
  output(app.add_subcommand("output", "alias of `session output`"));
  auto resume = [&](CLI::App* c) {
    session_arg(c);
    c->add_option("--say", o.text, "then type this line and Enter into its tmux pane");
    c->callback([&] { plan.run = [&] { return RunResume(ctx, o.session, o.text); }; });
  };
  resume(group->add_subcommand("resume", "resume a paused session (--say: and tell its agent)"));
  resume(app.add_subcommand("resume", "alias of `session resume`"));
}

}  // namespace roster::ctl

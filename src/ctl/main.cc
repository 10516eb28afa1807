// main.cc — rosterctl's command line (CLI11): one subcommand per API method,
// short aliases for the daily ones, `watch`, `top` and `hook claude`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "ctl/commands.h"
#include "util/paths.h"

namespace json = boost::json;
using namespace roster;
using namespace roster::ctl;

namespace {

// What the chosen subcommand will do once parsing succeeded.
struct Plan {
  std::function<int()> run;
};

// Parses `text` as JSON; anything that is not JSON is taken as a string.
json::value JsonOrString(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

template <typename T>
void Put(json::object& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = json::value_from(*v);
}

struct Opts {  // storage for option values
  std::string session, name, id, root, tmux, status, reason, note, meta, kind, body, project,
      prefix, key, after;
  std::vector<std::string> list, statuses, entities;
  std::optional<int64_t> pid, ttl, limit, after_seq, epoch, since;
  bool snapshot = false, per_agent = false;
};

std::optional<json::object> MetaObject(const std::string& text, int* err) {
  if (text.empty()) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    std::cerr << "rosterctl: --meta must be a JSON object, e.g. '{\"model\":\"opus\"}'\n";
    *err = kExitUsage;
    return std::nullopt;
  }
  return v.as_object();
}

std::string Session(const json::value& r, const Style& st) {
  return SessionsTable(json::array{r}, st);
}

void AddSessionCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* s = app.add_subcommand("session", "sessions: register, heartbeat, list, pause, ...");
  s->require_subcommand(1);
  auto one = [&](const char* verb, const char* help) {
    auto* c = s->add_subcommand(verb, help);
    c->add_option("session", o.session, "session id or name")->required();
    return c;
  };
  auto* reg = s->add_subcommand("register", "register (or revive) a session");
  reg->add_option("--name", o.name, "friendly name (default: from root)");
  reg->add_option("--id", o.id, "a known id (e.g. Claude Code's session_id)");
  reg->add_option("--root", o.root, "working directory (default: current)");
  reg->add_option("--pid", o.pid, "process id to watch for liveness");
  reg->add_option("--tmux", o.tmux, "tmux session name");
  reg->add_option("--ttl", o.ttl, "TTL in ms");
  reg->add_option("--meta", o.meta, "JSON object");
  reg->callback([&] {
    plan.run = [&] {
      int err = 0;
      json::object p;
      if (!o.name.empty()) p["name"] = o.name;
      if (!o.id.empty()) p["id"] = o.id;
      p["root"] = o.root.empty() ? std::filesystem::current_path().string() : o.root;
      Put(p, "pid", o.pid);
      if (!o.tmux.empty()) p["tmux_session"] = o.tmux;
      Put(p, "ttl_ms", o.ttl);
      if (auto m = MetaObject(o.meta, &err)) p["meta"] = *m;
      if (err) return err;
      return RunCall(ctx, "session.register", p, [&](auto& r) { return Session(r, ctx.style); });
    };
  });
  auto* hb = one("heartbeat", "mark a session alive");
  hb->add_option("--meta", o.meta, "JSON merge-patch for meta");
  hb->add_option("--status", o.status, "active or idle");
  hb->callback([&] {
    plan.run = [&] {
      int err = 0;
      json::object p{{"session", o.session}};
      if (auto m = MetaObject(o.meta, &err)) p["meta"] = *m;
      if (err) return err;
      if (!o.status.empty()) p["status"] = o.status;
      return RunCall(ctx, "session.heartbeat", p, [&](auto& r) {
        return Text(r.at("id")) + " alive, expires " +
               In(r.at("expires_at").as_int64(), ctx.style.now_ms) + "\n";
      });
    };
  });
  auto* up = one("update", "change a session's fields");
  up->add_option("--status", o.status, "active or idle");
  up->add_option("--reason", o.reason, "status reason");
  up->add_option("--meta", o.meta, "JSON merge-patch for meta");
  up->add_option("--pid", o.pid, "process id");
  up->add_option("--root", o.root, "working directory");
  up->add_option("--tmux", o.tmux, "tmux session name");
  up->add_option("--ttl", o.ttl, "TTL in ms");
  up->callback([&] {
    plan.run = [&] {
      int err = 0;
      json::object p{{"session", o.session}};
      if (!o.status.empty()) p["status"] = o.status;
      if (!o.reason.empty()) p["status_reason"] = o.reason;
      if (auto m = MetaObject(o.meta, &err)) p["meta"] = *m;
      if (err) return err;
      Put(p, "pid", o.pid);
      if (!o.root.empty()) p["root"] = o.root;
      if (!o.tmux.empty()) p["tmux_session"] = o.tmux;
      Put(p, "ttl_ms", o.ttl);
      return RunCall(ctx, "session.update", p, [&](auto& r) { return Session(r, ctx.style); });
    };
  });
  one("get", "show one session")->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "session.get", {{"session", o.session}}, [&](auto& r) {
        return Session(r, ctx.style) + "id: " + Text(r.at("id")) + "\nmeta: " + Text(r.at("meta")) +
               "\n";
      });
    };
  });
  auto list = [&](CLI::App* c) {
    c->add_option("--status", o.statuses, "only these statuses");
    c->add_option("--root", o.root, "only this root");
    c->add_option("--limit", o.limit, "at most this many");
    c->add_option("--after", o.after, "names after this one (paging)");
    c->callback([&] {
      plan.run = [&] {
        json::object p;
        if (!o.statuses.empty()) p["status"] = json::value_from(o.statuses);
        if (!o.root.empty()) p["root"] = o.root;
        Put(p, "limit", o.limit);
        if (!o.after.empty()) p["after"] = o.after;
        return RunCall(ctx, "session.list", p, [&](auto& r) {
          return SessionsTable(r.at("sessions").as_array(), ctx.style);
        });
      };
    });
  };
  list(s->add_subcommand("list", "list sessions"));
  list(app.add_subcommand("ls", "alias of `session list`"));
  auto pause = [&](CLI::App* c) {
    c->add_option("session", o.session, "session id or name")->required();
    c->add_option("-m,--note", o.note, "where you left off");
    c->callback([&] {
      plan.run = [&] {
        json::object p{{"session", o.session}};
        if (!o.note.empty()) p["note"] = o.note;
        return RunCall(ctx, "session.pause", p,
                       [&](auto& r) { return "paused: " + Text(r.at("summary")) + "\n"; });
      };
    });
  };
  pause(s->add_subcommand("pause", "pause a session with a note"));
  pause(app.add_subcommand("pause", "alias of `session pause`"));
  one("resume", "resume a paused session")->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "session.resume", {{"session", o.session}},
                     [&](auto& r) { return Session(r, ctx.style); });
    };
  });
  auto* stop = one("stop", "mark a session stopped");
  stop->add_option("--reason", o.reason, "why");
  stop->callback([&] {
    plan.run = [&] {
      json::object p{{"session", o.session}};
      if (!o.reason.empty()) p["reason"] = o.reason;
      return RunCall(ctx, "session.stop", p, [&](auto& r) { return Session(r, ctx.style); });
    };
  });
  one("remove", "delete a session with its logs and pauses")->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "session.remove", {{"session", o.session}},
                     [](auto&) { return std::string("removed\n"); });
    };
  });
  s->add_subcommand("reap", "remove sessions whose process is gone, and stopped ones")
      ->callback([&] {
        plan.run = [&] {
          return RunCall(ctx, "session.reap", {}, [](auto& r) {
            std::string names;
            for (const auto& n : r.at("sessions").as_array()) names += " " + Text(n);
            return "reaped " + Text(r.at("reaped")) + (names.empty() ? "" : ":" + names) + "\n";
          });
        };
      });
  one("pauses", "pause history of a session")->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "session.pauses", {{"session", o.session}},
                     [&](auto& r) { return PausesTable(r.at("pauses").as_array(), ctx.style); });
    };
  });
}

void AddTeamCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* t = app.add_subcommand("team", "teams of agents: up, down, list, roster, orphans, stale");
  t->require_subcommand(1);
  auto teams = [&](auto& r) { return TeamsTable(r.at("teams").as_array(), ctx.style); };
  auto* up = t->add_subcommand("up", "bring a team up (idempotent)");
  up->add_option("project", o.project, "project id")->required();
  up->add_option("root", o.root, "team root")->required();
  up->add_option("agents", o.list, "agent names");
  up->add_option("--prefix", o.prefix, "tmux session prefix");
  up->callback([&] {
    plan.run = [&] {
      json::object p{
          {"project_id", o.project}, {"root", o.root}, {"agents", json::value_from(o.list)}};
      if (!o.prefix.empty()) p["tmux_prefix"] = o.prefix;
      return RunCall(ctx, "team.up", p,
                     [&](auto& r) { return TeamsTable(json::array{r}, ctx.style); });
    };
  });
  auto* down = t->add_subcommand("down", "clear a root, or one project at it");
  down->add_option("root", o.root, "team root")->required();
  down->add_option("--project", o.project, "only this project");
  down->callback([&] {
    plan.run = [&] {
      json::object p{{"root", o.root}};
      if (!o.project.empty()) p["project_id"] = o.project;
      return RunCall(ctx, "team.down", p,
                     [](auto& r) { return "removed " + Text(r.at("removed")) + "\n"; });
    };
  });
  auto list = [&](CLI::App* c) {
    c->add_option("--root", o.root, "only this root");
    c->callback([&, teams] {
      plan.run = [&, teams] {
        json::object p;
        if (!o.root.empty()) p["root"] = o.root;
        return RunCall(ctx, "team.list", p, teams);
      };
    });
  };
  list(t->add_subcommand("list", "list teams"));
  list(app.add_subcommand("ps", "alias of `team list`"));
  auto* roster = t->add_subcommand("roster", "agents at a root with their tmux sessions");
  roster->add_option("root", o.root, "team root")->required();
  roster->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "team.roster", {{"root", o.root}},
                     [](auto& r) { return RosterTable(r.at("roster").as_array()); });
    };
  });
  auto* orphans = t->add_subcommand("orphans", "recorded agents not in the desired set");
  orphans->add_option("root", o.root, "team root")->required();
  orphans->add_option("desired", o.list, "project:agent entries still wanted");
  orphans->add_option("--project", o.project, "only this project");
  orphans->add_flag("--per-agent", o.per_agent, "a per-agent teardown (orphans nobody)");
  orphans->callback([&] {
    plan.run = [&] {
      json::object p{{"root", o.root}, {"desired", json::value_from(o.list)}};
      if (!o.project.empty()) p["project_id"] = o.project;
      if (o.per_agent) p["per_agent"] = true;
      return RunCall(ctx, "team.orphans", p,
                     [](auto& r) { return RosterTable(r.at("orphans").as_array()); });
    };
  });
  t->add_subcommand("stale", "teams whose root lost its compose marker")->callback([&, teams] {
    plan.run = [&, teams] { return RunCall(ctx, "team.stale", {}, teams); };
  });
}

void AddLogCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* l = app.add_subcommand("log", "session logs: append, read, rotate");
  l->require_subcommand(1);
  for (const char* verb : {"append", "rotate"}) {
    auto* c = l->add_subcommand(
        verb, std::string(verb) == "append" ? "append an entry" : "start a new epoch");
    c->add_option("session", o.session, "session id or name")->required();
    c->add_option("kind", o.kind, "entry kind")->required();
    c->add_option("body", o.body, "JSON (anything else is taken as a string)");
    std::string method = std::string("log.") + verb;
    c->callback([&, method] {
      plan.run = [&, method] {
        json::object p{{"session", o.session}, {"kind", o.kind}, {"body", JsonOrString(o.body)}};
        return RunCall(ctx, method, p, [](auto& r) {
          return "seq " + Text(r.at("seq")) + " epoch " + Text(r.at("epoch")) + " rev " +
                 Text(r.at("rev")) + "\n";
        });
      };
    });
  }
  auto* read = l->add_subcommand("read", "read entries");
  read->add_option("session", o.session, "session id or name")->required();
  read->add_option("--after", o.after_seq, "entries after this seq");
  read->add_option("--limit", o.limit, "at most this many (1..1000)");
  read->add_option("--epoch", o.epoch, "epoch (default: current)");
  read->callback([&] {
    plan.run = [&] {
      json::object p{{"session", o.session}};
      Put(p, "after_seq", o.after_seq);
      Put(p, "limit", o.limit);
      Put(p, "epoch", o.epoch);
      return RunCall(ctx, "log.read", p,
                     [&](auto& r) { return LogTable(r.at("entries").as_array(), ctx.style); });
    };
  });
}

void AddOtherCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* w = app.add_subcommand("watch", "stream changes, one JSON event per line");
  w->add_option("--since", o.since, "resume after this rev");
  w->add_flag("--snapshot", o.snapshot, "current state first, then changes");
  w->add_option("--entity", o.entities, "session, pause, team, team_agent, log");
  w->add_option("--session", o.session, "only this session");
  w->add_option("--key", o.key, "only this key");
  w->callback([&] {
    plan.run = [&] {
      json::object p;
      Put(p, "since", o.since);
      if (o.snapshot) p["snapshot"] = true;
      if (!o.entities.empty()) p["entities"] = json::value_from(o.entities);
      if (!o.session.empty()) p["session"] = o.session;
      if (!o.key.empty()) p["key"] = o.key;
      return RunWatch(ctx, p);
    };
  });
  app.add_subcommand("status", "daemon status")->callback([&] {
    plan.run = [&] { return RunCall(ctx, "status", {}, [](auto& r) { return KeyValues(r); }); };
  });
  app.add_subcommand("top", "live table of sessions (q to quit)")->callback([&] {
    plan.run = [&] { return RunTop(ctx); };
  });
  auto* hook = app.add_subcommand("hook", "agent hook adapters");
  hook->require_subcommand(1);
  hook->add_subcommand("claude", "read a Claude Code hook payload on stdin")->callback([&] {
    plan.run = [&] { return RunClaudeHook(ctx); };
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rosterctl — talk to rosterd, the registry of AI coding-agent sessions"};
  app.require_subcommand(1);
  Context ctx;
  ctx.socket = DefaultSocketPath();
  app.add_option("--socket", ctx.socket,
                 "daemon socket (default $ROSTER_SOCKET or " + ctx.socket + ")");
  app.add_flag("--json", ctx.json, "print the API's JSON exactly");
  Opts opts;
  Plan plan;
  AddSessionCommands(app, opts, ctx, plan);
  AddTeamCommands(app, opts, ctx, plan);
  AddLogCommands(app, opts, ctx, plan);
  AddOtherCommands(app, opts, ctx, plan);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  ctx.style = Style{ColorWanted(), NowMs()};
  return plan.run ? plan.run() : kExitUsage;
}

// other_cmds.cc — rosterctl's `team` and `log` groups, `watch`, `status`,
// `top` and `hook`.
#include "core/entities.h"
#include "core/uuid.h"
#include "ctl/cli.h"

namespace roster::ctl {

// The pinned tmux naming is {tmux_prefix}{project_id}-{agent}; a prefix typed
// as a word ("pa") gets the separator the rest of the name uses.
static std::string PrefixWithSeparator(const std::string& prefix) {
  const char last = prefix.back();
  return last == '-' || last == '_' ? prefix : prefix + "-";
}

void AddTeamCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* t = app.add_subcommand("team", "teams of agents: up, down, list, roster, orphans, stale");
  t->require_subcommand(1);
  auto teams = [&](auto& r) { return TeamsTable(r.at("teams").as_array(), ctx.style); };
  auto* up = t->add_subcommand("up", "bring a team up (idempotent)");
  up->add_option("project", o.project, "project id")->required();
  up->add_option("root", o.root, "team root")->required()->type_name("DIR");
  up->add_option("agents", o.list, "agent names");
  up->add_option("--prefix", o.prefix,
                 "tmux session prefix; joined with '-' unless it ends in '-' or '_' "
                 "(--prefix pa: pa-PROJECT-AGENT)");
  up->callback([&] {
    plan.run = [&] {
      json::object p{
          {"project_id", o.project}, {"root", o.root}, {"agents", json::value_from(o.list)}};
      if (!o.prefix.empty()) p["tmux_prefix"] = PrefixWithSeparator(o.prefix);
      return RunCall(ctx, "team.up", p,
                     [&](auto& r) { return TeamsTable(json::array{r}, ctx.style); });
    };
  });
  auto* down = t->add_subcommand("down", "clear a root, or one project at it");
  down->add_option("root", o.root, "team root")->required()->type_name("DIR");
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
    c->add_option("--root", o.root, "only this root")->type_name("DIR");
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
  roster->add_option("root", o.root, "team root")->required()->type_name("DIR");
  roster->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "team.roster", {{"root", o.root}},
                     [](auto& r) { return RosterTable(r.at("roster").as_array()); });
    };
  });
  auto* orphans = t->add_subcommand("orphans", "recorded agents not in the desired set");
  orphans->add_option("root", o.root, "team root")->required()->type_name("DIR");
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
    c->add_option("session", o.session, "session id or name")->required()->type_name("SESSION");
    c->add_option("kind", o.kind, "entry kind")->required();
    c->add_option("body", o.body, "JSON (anything else is taken as a string)");
    c->add_option("--request-key", o.request_key,
                  "applied at most once per key (default: a new UUID; retried with it when the "
                  "answer is lost)")
        ->type_name("KEY");
    std::string method = std::string("log.") + verb;
    c->callback([&, method] {
      plan.run = [&, method] {
        json::object p{{"session", o.session},
                       {"kind", o.kind},
                       {"body", JsonOrString(o.body)},
                       {"request_key", o.request_key.empty() ? NewUuidV4() : o.request_key}};
        return RunKeyedCall(ctx, method, p, [](auto& r) {
          return "seq " + Text(r.at("seq")) + " epoch " + Text(r.at("epoch")) + " rev " +
                 Text(r.at("rev")) + "\n";
        });
      };
    });
  }
  auto* read = l->add_subcommand("read", "read entries");
  read->add_option("session", o.session, "session id or name")->required()->type_name("SESSION");
  read->add_option("--after", o.after_seq, "entries after this seq");
  read->add_option("--limit", o.limit, "at most this many (1..1000)");
  read->add_option("--epoch", o.epoch, "epoch (default: current)");
  read->add_flag("--tail", o.tail, "the newest entries (with --limit: that many)");
  read->callback([&] {
    plan.run = [&] {
      json::object p{{"session", o.session}};
      Put(p, "after_seq", o.after_seq);
      Put(p, "limit", o.limit);
      Put(p, "epoch", o.epoch);
      if (o.tail) p["tail"] = true;
      return RunCall(ctx, "log.read", p,
                     [&](auto& r) { return LogTable(r.at("entries").as_array(), ctx.style); });
    };
  });
}

void AddOtherCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* w = app.add_subcommand("watch", "stream changes, one JSON event per line");
  w->add_option("--since", o.since, "resume after this rev");
  w->add_flag("--snapshot", o.snapshot, "current state first, then changes");
  w->add_option("--entity", o.entities, EntityNames(", "))->type_name("{" + EntityNames(",") + "}");
  w->add_option("--session", o.session, "only this session")->type_name("SESSION");
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
  app.add_subcommand("top",
                     "operator's console: live sessions, who needs you first (p pause, "
                     "r resume, / filter, n needs me, s sort, Enter log, q quit)")
      ->callback([&] { plan.run = [&] { return RunTop(ctx); }; });
  auto* hook = app.add_subcommand("hook", "agent hook adapters");
  hook->require_subcommand(1);
  hook->add_subcommand("claude", "read a Claude Code hook payload on stdin")->callback([&] {
    plan.run = [&] { return RunClaudeHook(ctx); };
    plan.fail_open = true;
  });
}

}  // namespace roster::ctl

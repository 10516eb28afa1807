// session_cmds.cc — rosterctl's `session` group and its aliases (`ls`, `pause`);
// the commands that reach a session's pane (`send`, `output`, `resume`) are
// in pane_cmds.cc.
#include <filesystem>
#include <iostream>

#include "ctl/cli.h"

namespace roster::ctl {

namespace {

// Whether the daemon knows a session by this id or name (false when it
// cannot be asked: the register that follows reports that).
bool SessionExists(const Context& ctx, const std::string& session) {
  auto client = Client::Connect(ctx.socket);
  return client.ok() && client.value()->Call("session.get", {{"session", session}}).ok();
}

}  // namespace

void AddSessionCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* s = app.add_subcommand("session", "sessions: register, heartbeat, list, pause, ...");
  s->require_subcommand(1);
  auto one = [&](const char* verb, const char* help) {
    auto* c = s->add_subcommand(verb, help);
    c->add_option("session", o.session, "session id or name")->required()->type_name("SESSION");
    return c;
  };
  auto* reg = s->add_subcommand("register", "register (or revive) a session");
  reg->add_option("--name", o.name, "friendly name (default: from root)");
  reg->add_option("--id", o.id, "a known id (e.g. Claude Code's session_id)");
  reg->add_option("--root", o.root, "working directory (default: current)")->type_name("DIR");
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
      if (!o.root.empty()) {
        p["root"] = o.root;
      } else if (o.id.empty() || !SessionExists(ctx, o.id)) {
        p["root"] = std::filesystem::current_path().string();  // a new session: here
      }  // else a revive without --root keeps the stored root
      Put(p, "pid", o.pid);
      if (!o.tmux.empty()) p["tmux_session"] = o.tmux;
      Put(p, "ttl_ms", o.ttl);
      if (auto m = MetaObject(o.meta, &err)) p["meta"] = *m;
      if (err) return err;
      return RunCall(ctx, "session.register", p, [&](auto& r) {
        return Session(r, ctx.style) + "id: " + Text(r.at("id")) + "\n";
      });
    };
  });
  auto* hb = one("heartbeat", "mark a session alive");
  hb->add_option("--meta", o.meta, "JSON merge-patch for meta");
  hb->add_option("--status", o.status, "active or idle")->type_name("{active,idle}");
  hb->callback([&] {
    plan.run = [&] {
      int err = 0;
      json::object p{{"session", o.session}};
      if (auto m = MetaObject(o.meta, &err)) p["meta"] = *m;
      if (err) return err;
      if (!o.status.empty()) p["status"] = o.status;
      return RunCall(ctx, "session.heartbeat", p, [&](auto& r) {
        const auto& e = r.at("expires_at");
        return Text(r.at("id")) + " " + Text(r.at("status")) +
               (e.is_int64() ? ", expires " + Relative(e.as_int64(), ctx.style.now_ms)
                             : ", alive while its process runs") +
               "\n";
      });
    };
  });
  auto* up = one("update", "change a session's fields");
  up->add_option("--status", o.status, "active or idle")->type_name("{active,idle}");
  up->add_option("--reason", o.reason, "status reason");
  up->add_option("--meta", o.meta, "JSON merge-patch for meta");
  up->add_option("--pid", o.pid, "process id");
  up->add_option("--root", o.root, "working directory")->type_name("DIR");
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
        const json::value* host = r.as_object().if_contains("host");
        return Session(r, ctx.style) + "id: " + Text(r.at("id")) +
               "\nhost: " + (host ? Text(*host) : "-") + "\nmeta: " + Text(r.at("meta")) + "\n";
      });
    };
  });
  auto list = [&](CLI::App* c) {
    c->add_option("--status", o.statuses, "only these statuses (default: active, idle, paused)")
        ->type_name("{active,idle,paused,stopped,stale}");
    c->add_flag("--all", o.all, "every session, stopped and stale ones too");
    c->add_option("--root", o.root, "only this root")->type_name("DIR");
    c->add_option("--host", o.host, "only the sessions of this host (machine)")->type_name("HOST");
    c->add_option("--limit", o.limit, "at most this many");
    c->add_option("--after", o.after, "names after this one (paging)");
    c->callback([&] {
      plan.run = [&] {
        json::object p;
        if (!o.statuses.empty()) {
          p["status"] = json::value_from(o.statuses);
        } else if (!o.all) {  // the sessions still in play
          p["status"] = json::array{"active", "idle", "paused"};
        }
        if (!o.root.empty()) p["root"] = o.root;
        if (!o.host.empty()) p["host"] = o.host;
        Put(p, "limit", o.limit);
        if (!o.after.empty()) p["after"] = o.after;
        return RunCall(ctx, "session.list", p, [&](auto& r) {
          return SessionsTable(r.at("sessions").as_array(), ctx.style);
        });
      };
    });
  };
  list(s->add_subcommand("list", "list active, idle and paused sessions (--all: every one)"));
  list(app.add_subcommand("ls", "alias of `session list`"));
  auto pause = [&](CLI::App* c) {
    c->add_option("session", o.session, "session id or name")->required()->type_name("SESSION");
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

}  // namespace roster::ctl

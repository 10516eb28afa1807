// topics.cc — `rosterctl help [TOPIC|COMMAND]`: the concepts behind the
// commands (one text per topic, also printed in rosterctl's man page), or a
// command's own --help.
#include <iostream>

#include "cli/cli.h"
#include "ctl/cli.h"

namespace roster::ctl {

namespace {

struct Topic {
  const char* name;
  const char* summary;
  const char* text;
};

const Topic kTopics[] = {
    {"liveness", "when a session counts as alive, and when it goes stale",
     R"(A session is alive (status active or idle) while something vouches for it:
  - its process: a session with a pid (`--pid P`; the Claude Code hook
    records the agent's own) lives as long as that process runs, however
    long it waits, and becomes stale with reason `process_exited` within
    about two seconds of its exit (the start time is recorded, so a reused
    pid does not keep it alive); no TTL applies to it;
  - else a heartbeat: every `rosterctl session heartbeat S` (and every hook
    event) sets last_seen; a session without a pid whose last_seen + ttl_ms
    passed becomes stale with reason `ttl` (default TTL 60 s, `--ttl MS`;
    a hook's session without a pid gets hook_ttl_ms, 2 h).
Paused and stopped sessions never expire. `rosterctl session reap` removes
sessions whose process or tmux session is gone, and stopped ones.
After a restart of rosterd every active or idle session without a pid gets
one full TTL (grace_until) before it can expire; last_seen still says when
it was last heard from. `rosterctl ls` shows the sessions still in play
(active, idle, paused) with what each agent does (ACTIVITY: working,
waiting_input, waiting_permission) and its git BRANCH; `rosterctl ls --all`
also the stopped and stale ones.)"},
    {"pause", "pausing a session with a note, and resuming it",
     R"(`rosterctl pause S -m NOTE` records where you left off: the session becomes
paused (it never expires while paused) and a pause record keeps your note
beside a summary of where the agent was (the last lines of its tmux pane,
else its latest log entries). A Claude Code agent stops at its next tool
call: its PreToolUse hook is denied with your note. Nothing the agent does
ends the pause; `rosterctl session resume S` (or `rosterctl resume S`)
does, and `rosterctl resume S --say TEXT` then types TEXT and Enter into
the agent's tmux pane. Stopping a
paused session ends the pause too. `rosterctl send S TEXT` and `rosterctl
output S` type into and read the pane at any time; `rosterctl session
pauses S` lists the pause history, and `rosterctl ls` shows the open
pause's note beside the session.)"},
    {"feed", "the change feed: revs, watch, resume after a restart",
     R"(Every change to a session, pause, team or log entry - by rosterd, by a
`sqlite3` user, by an import - gets a rev: global, strictly increasing, never
reused. `rosterctl watch` prints one JSON event per line as changes commit:
  rosterctl watch --snapshot       current rows first, then every change
  rosterctl watch --since REV      every change after REV (resume)
  rosterctl watch --entity session --session alpha
Keep the last rev you processed; after your own restart, or rosterd's, watch
again with --since that rev and nothing is lost or repeated. Old revs are
compacted after a week (changes_retention_ms); resuming from before the
compaction horizon fails with `compacted`: take a new --snapshot then.)"},
    {"hooks", "recording Claude Code sessions with `rosterctl hook claude`",
     R"(`rosterctl hook claude` reads a Claude Code hook payload on stdin: SessionStart
registers the session under Claude's session_id with the agent's process
(its pid: the session lives as long as Claude Code runs) and, inside tmux,
its pane; prompts, tool calls, notifications and Stop heartbeat it with what
the agent does (working, waiting_input, waiting_permission) and append log
entries; SessionEnd stops it. While the session is paused, PreToolUse
denies the tool call with the operator's note, so the agent stops. Roster's
own failure never blocks the agent: with a bad payload, no daemon, or one
that does not answer, the hook says so on stderr, prints nothing and exits
0 within 1 s. Add it to every hook event in ~/.claude/settings.json (the
README shows the whole block), naming rosterctl by its absolute path
(cmake --install puts it in PREFIX/bin).)"},
};

}  // namespace

std::string TopicsManSection() {
  std::string out = "[TOPICS]\nConcepts, also shown by \\fBrosterctl help\\fR \\fITOPIC\\fR.\n";
  for (const Topic& t : kTopics) {
    out += ".SS " + std::string(t.name) + "\n.nf\n";
    for (char c : std::string(t.text)) out += c == '\\' ? std::string("\\e") : std::string(1, c);
    out += "\n.fi\n";
  }
  return out;
}

void AddHelpCommand(CLI::App& app, Opts& o, Plan& plan) {
  std::string names;
  for (const Topic& t : kTopics) names += (names.empty() ? "" : ",") + std::string(t.name);
  auto* help = app.add_subcommand("help", "concepts (" + names + ") or a command's help");
  help->add_option("topic", o.list, "a topic or a command (e.g. session register)")
      ->type_name("{" + names + "}");
  help->callback([&app, &o, &plan, names] {
    plan.run = [&app, &o, names] {
      if (o.list.empty()) {
        std::cout << "Topics (rosterctl help TOPIC):\n";
        for (const Topic& t : kTopics) std::cout << "  " << t.name << " - " << t.summary << "\n";
        std::cout << "\nCommands (rosterctl help COMMAND, or COMMAND --help): "
                  << cli::Describe(app).SubcommandList() << "\n";
        return static_cast<int>(kExitOk);
      }
      for (const Topic& t : kTopics) {
        if (o.list.size() == 1 && o.list[0] == t.name) {
          std::cout << t.text << "\n";
          return static_cast<int>(kExitOk);
        }
      }
      CLI::App* cmd = &app;  // a command path: its --help
      std::string parents;
      for (const auto& word : o.list) {
        CLI::App* next = nullptr;
        try {
          next = cmd->get_subcommand(word);
        } catch (const CLI::OptionNotFound&) {
        }
        if (!next || next->get_group().empty()) {
          std::cerr << "rosterctl: no help topic or command '" << word << "'; topics: " << names
                    << "; commands: " << cli::Describe(*cmd).SubcommandList() << "\n";
          return static_cast<int>(kExitUsage);
        }
        parents += (parents.empty() ? "" : " ") + cmd->get_name();
        cmd = next;
      }
      std::cout << cmd->help(parents);
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace roster::ctl

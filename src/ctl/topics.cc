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
  - its process: a session with a pid (every Claude Code session: the hook
    records the Claude Code process) is alive while that process runs, and
    becomes stale with reason `process_exited` within seconds of its exit
    (the process start time is recorded, so a reused pid does not count);
  - otherwise heartbeats: `rosterctl session heartbeat S` (or any hook
    event) sets last_seen, and a session whose last_seen + ttl_ms passed
    becomes stale with reason `ttl` (`--ttl MS`; hook sessions without a
    process use hook_ttl_ms, 2 hours).
Paused and stopped sessions never expire. `rosterctl session reap` removes
sessions whose process or tmux session is gone, and stopped ones.
After a restart of rosterd every active or idle session gets one full TTL
before it can expire, so a daemon that was down does not expire everyone.
`rosterctl ls` shows the sessions still in play (active, idle, paused);
`rosterctl ls --all` also the stopped and stale ones.)"},
    {"pause", "pausing a session with a note, and resuming it",
     R"(`rosterctl pause S -m NOTE` records where you left off: the session becomes
paused (it never expires while paused) and a pause record keeps your note,
or, without one, a summary built from the session's latest log entries.
A paused Claude Code session is stopped at its next tool call: its
PreToolUse hook denies the call with your note. No hook event ends a pause;
only `rosterctl session resume S` does (only a paused session can be
resumed). `rosterctl session pauses S` lists the pause history, and
`rosterctl ls` shows the open pause's note beside the session.)"},
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
registers the session under Claude's session_id with the Claude Code
process and its tmux pane, every prompt, tool call and notification
heartbeats it, records what it is doing (working, waiting for input or for
a permission) and appends a log entry; SessionEnd stops it. It never fails
the agent: with a bad payload or no daemon it says so on stderr and exits 0
within a second. Add it to every hook event in ~/.claude/settings.json (the
README shows the whole block), naming the installed rosterctl by its path
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

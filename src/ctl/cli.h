// cli.h — internal to rosterctl: what the command-group files share (the
// option storage, the chosen action, small JSON helpers) and the functions
// that add each group's subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctl/commands.h"

namespace roster::ctl {

namespace json = boost::json;

// What the chosen subcommand will do once parsing succeeded.
struct Plan {
  std::function<int()> run;
  // A command that must never fail its caller (the hook): whatever goes
  // wrong, it exits 0.
  bool fail_open = false;
};

// Parses `text` as JSON; anything that is not JSON is taken as a string.
inline json::value JsonOrString(const std::string& text) {
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
      prefix, key, after, text, host, request_key;
  std::vector<std::string> list, statuses, entities;
  std::optional<int64_t> pid, ttl, limit, after_seq, epoch, since;
  bool snapshot = false, per_agent = false, all = false, tail = false;
};

inline std::optional<json::object> MetaObject(const std::string& text, int* err) {
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

inline std::string Session(const json::value& r, const Style& st) {
  return SessionsTable(json::array{r}, st);
}

void AddSessionCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
// REQUIRES: AddSessionCommands ran (it adds to its `session` group).
void AddPaneCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
void AddTeamCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
void AddLogCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
void AddOtherCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
void AddClusterCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan);
// `help [TOPIC|COMMAND]` (topics.cc), and the topics as a man-page section.
void AddHelpCommand(CLI::App& app, Opts& o, Plan& plan);
std::string TopicsManSection();
// `rosterctl __complete sessions`: the session names, for the shell
// completions; prints nothing and exits 0 when the daemon does not answer.
int CompleteSessions(const std::string& socket);

}  // namespace roster::ctl

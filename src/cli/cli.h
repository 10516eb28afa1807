// cli.h — what the command lines of rosterd, rosterctl and roster-backup
// share, on top of CLI11: one version line, parse errors that name the
// command and list what is valid, and a description of the command tree that
// the shell completions and man pages are generated from (at build time, by
// `PROGRAM __generate bash|zsh|man`), so neither is written by hand.
//
// Value kinds: an option's or positional's CLI11 type name says what its
// value is, and the completions follow it: "SESSION" (names from the running
// daemon), "FILE", "DIR", "{a,b}" or an IsMember check (a fixed choice);
// anything else is free text.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roster::cli {

// "PROGRAM VERSION": the --version line of every program, from the CMake
// project version.
std::string VersionLine(std::string_view program);

struct OptionSpec {
  std::vector<std::string> names;  // "-m", "--note"
  std::string help;
  bool takes_value = false;
  std::string type;                  // CLI11's name of the value type ("INT", "TEXT", …)
  std::string kind;                  // "SESSION", "FILE", "DIR" or "" (free text)
  std::vector<std::string> choices;  // a fixed set of values, if any
};

struct PositionalSpec {
  std::string name;
  std::string kind;  // as OptionSpec::kind
  std::vector<std::string> choices;
  bool many = false;  // takes every remaining word
};

struct CommandSpec {
  std::string name, help;
  bool needs_subcommand = false;
  std::vector<OptionSpec> options;  // --help first
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands;  // visible ones, in definition order
  const CommandSpec* Find(std::string_view sub) const;
  const OptionSpec* FindOption(std::string_view option) const;
  std::string SubcommandList() const;  // "register, heartbeat, …"
};

// The visible command tree of `app` (hidden commands and options, i.e. those
// with an empty group, are left out).
CommandSpec Describe(const CLI::App& app);

// Extra text for a program's man page, in help2man's include format
// ("[SECTION]" lines followed by roff).
struct ManExtras {
  std::string sections;
};

// `PROGRAM __generate bash|zsh|man`: prints the generated text and returns
// 0 (2 for another word); nullopt for any other command line. Parse() does
// this first; a program with its own parse step calls it before.
std::optional<int> Generate(CLI::App& app, int argc, char** argv, const ManExtras& man = {});

// Parses the command line. Returns nullopt when the chosen command should
// run, else the process exit code: 0 after --help, --version or
// `__generate bash|zsh|man` (printed to stdout), 2 after a usage error
// (printed to stderr as "PROGRAM: what is wrong", an unknown or missing
// command with the valid ones).
std::optional<int> Parse(CLI::App& app, int argc, char** argv, const ManExtras& man = {});

// The generated texts (see completion.cc).
std::string BashCompletion(const CommandSpec& root);
std::string ZshCompletion(const CommandSpec& root);
std::string ManSections(const CommandSpec& root);

}  // namespace roster::cli

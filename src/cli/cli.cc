// cli.cc — the command tree's description and the shared parse step: when
// CLI11 refuses a command line, unknown and missing commands are found by
// walking the words against the tree (CLI11 would only say "A subcommand is
// required").
#include "cli/cli.h"

#include <iostream>

namespace roster::cli {

std::string VersionLine(std::string_view program) {
  return std::string(program) + " " + ROSTER_VERSION;
}

namespace {

// "{a,b,c}" anywhere in a CLI11 type name (an IsMember check adds one).
std::vector<std::string> Choices(const std::string& type) {
  std::vector<std::string> out;
  size_t open = type.find('{'), close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string list = type.substr(open + 1, close - open - 1);
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string Kind(const std::string& type) {
  for (const char* k : {"SESSION", "FILE", "DIR"}) {
    if (type.rfind(k, 0) == 0) return k;
  }
  return "";
}

bool Hidden(const std::string& group) { return group.empty(); }

}  // namespace

CommandSpec Describe(const CLI::App& app) {
  CommandSpec c;
  c.name = app.get_name();
  c.help = app.get_description();
  c.needs_subcommand = app.get_require_subcommand_min() > 0;
  for (const CLI::Option* o : app.get_options()) {
    if (Hidden(o->get_group())) continue;
    const std::string type = o->get_type_name();
    if (o->get_positional() && !o->nonpositional()) {
      c.positionals.push_back({.name = o->get_name(true),
                               .kind = Kind(type),
                               .choices = Choices(type),
                               .many = o->get_items_expected_max() > 1});
      continue;
    }
    OptionSpec s{.help = o->get_description(),
                 .takes_value = o->get_items_expected_max() > 0,
                 .type = type.substr(0, type.find(':')),
                 .kind = Kind(type),
                 .choices = Choices(type)};
    for (const auto& n : o->get_snames()) s.names.push_back("-" + n);
    for (const auto& n : o->get_lnames()) s.names.push_back("--" + n);
    c.options.push_back(std::move(s));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (Hidden(sub->get_group()) || sub->get_disabled()) continue;
    c.subcommands.push_back(Describe(*sub));
  }
  return c;
}

const CommandSpec* CommandSpec::Find(std::string_view sub) const {
  for (const auto& s : subcommands) {
    if (s.name == sub) return &s;
  }
  return nullptr;
}

const OptionSpec* CommandSpec::FindOption(std::string_view option) const {
  for (const auto& o : options) {
    for (const auto& n : o.names) {
      if (n == option) return &o;
    }
  }
  return nullptr;
}

std::string CommandSpec::SubcommandList() const {
  std::string out;
  for (const auto& s : subcommands) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

namespace {

// Walks the words against the tree: an unknown word where a command is
// expected, or a group left without its command, is an error (empty: fine).
// `where` gets the command words up to the error ("rosterctl session").
std::string CheckCommands(const CommandSpec& root, int argc, char** argv, std::string* where) {
  std::vector<const CommandSpec*> path{&root};
  for (int i = 1; i < argc; ++i) {
    std::string_view w = argv[i];
    if (w == "--") break;
    if (w == "-h" || w == "--help" || w == "--help-all" || w == "--version") return "";
    if (w.size() > 1 && w[0] == '-') {
      std::string_view name = w.substr(0, w.find('='));
      for (auto it = path.rbegin(); it != path.rend(); ++it) {
        if (const OptionSpec* o = (*it)->FindOption(name)) {
          if (o->takes_value && name.size() == w.size()) ++i;  // its value
          break;
        }
      }
      continue;
    }
    const CommandSpec* cur = path.back();
    if (cur->subcommands.empty()) continue;  // a positional
    if (const CommandSpec* sub = cur->Find(w)) {
      path.push_back(sub);
      *where += " " + sub->name;
      continue;
    }
    if (!cur->positionals.empty()) continue;
    std::string group = path.size() > 1 ? " for '" + cur->name + "'" : "";
    return "unknown command '" + std::string(w) + "'" + group + "; valid: " + cur->SubcommandList();
  }
  const CommandSpec* cur = path.back();
  if (cur->needs_subcommand) {
    return (path.size() > 1 ? "'" + cur->name + "' needs a command" : "a command is required") +
           "; valid: " + cur->SubcommandList();
  }
  return "";
}

// The words of the chosen command ("rosterctl session get"), for "see --help".
std::string CommandPath(const CLI::App& app) {
  std::string out = app.get_name();
  for (const CLI::App* a = &app; !a->get_subcommands().empty();) {
    a = a->get_subcommands().front();
    out += " " + a->get_name();
  }
  return out;
}

}  // namespace

std::optional<int> Generate(CLI::App& app, int argc, char** argv, const ManExtras& man) {
  if (argc != 3 || std::string_view(argv[1]) != "__generate") return std::nullopt;
  const CommandSpec spec = Describe(app);
  const std::string_view what = argv[2];
  if (what == "bash") {
    std::cout << BashCompletion(spec);
  } else if (what == "zsh") {
    std::cout << ZshCompletion(spec);
  } else if (what == "man") {
    std::cout << ManSections(spec) << man.sections;
  } else {
    std::cerr << app.get_name() << ": __generate takes bash, zsh or man\n";
    return 2;
  }
  return 0;
}

std::optional<int> Parse(CLI::App& app, int argc, char** argv, const ManExtras& man) {
  if (auto rc = Generate(app, argc, argv, man)) return rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Of an unknown or missing command CLI11 only says "A subcommand is
    // required"; the walk names it and lists the valid ones. Done on errors
    // only: a hook's rosterctl does not pay for describing the tree.
    const std::string program = app.get_name();
    std::string where = program;
    std::string why = CheckCommands(Describe(app), argc, argv, &where);
    if (why.empty()) {
      why = e.what();
      where = CommandPath(app);
    }
    std::cerr << program << ": " << why << " (see '" << where << " --help')\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace roster::cli

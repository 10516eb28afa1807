// completion.cc — bash and zsh completion scripts and man-page sections,
// generated from a program's command tree (cli.h). Both scripts carry the
// tree as tables keyed by the command path ("session get") and share one
// walk: options that take a value skip it, command words descend, other words
// count as positionals. SESSION values come live from the daemon through
// `rosterctl __complete sessions` (silent and empty when it is not running).
#include <cctype>
#include <sstream>

#include "cli/cli.h"

namespace roster::cli {

namespace {

// Single-quoted for the shell.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// A value kind as one word: SESSION, FILE, DIR, {a,b} or TEXT.
std::string KindWord(const std::string& kind, const std::vector<std::string>& choices) {
  if (!choices.empty()) return "{" + Join(choices, ",") + "}";
  return kind.empty() ? "TEXT" : kind;
}

// Calls fn(key, command) for every command, depth first. The key is the
// command path as the scripts spell it: "/" for the program, "/session/get"
// (bash refuses an empty key).
template <typename Fn>
void Walk(const CommandSpec& c, const std::string& key, Fn&& fn) {
  fn(key, c);
  for (const auto& s : c.subcommands) Walk(s, (key == "/" ? key : key + "/") + s.name, fn);
}

// The tables both shells use, as `NAME[key]=value` lines.
struct Tables {
  std::vector<std::pair<std::string, std::string>> subs, opts, vals, pos;
};

Tables Build(const CommandSpec& root) {
  Tables t;
  Walk(root, "/", [&t](const std::string& path, const CommandSpec& c) {
    std::vector<std::string> subs, opts, pos;
    for (const auto& s : c.subcommands) subs.push_back(s.name);
    for (const auto& o : c.options) {
      for (const auto& n : o.names) {
        opts.push_back(n);
        if (o.takes_value) t.vals.emplace_back(path + "|" + n, KindWord(o.kind, o.choices));
      }
    }
    for (const auto& p : c.positionals) {
      pos.push_back(KindWord(p.kind, p.choices) + (p.many ? "..." : ""));
    }
    if (!subs.empty()) t.subs.emplace_back(path, Join(subs));
    t.opts.emplace_back(path, Join(opts));
    if (!pos.empty()) t.pos.emplace_back(path, Join(pos));
  });
  return t;
}

void Table(std::ostream& out, const char* name,
           const std::vector<std::pair<std::string, std::string>>& rows) {
  out << "  " << name << "=(\n";
  for (const auto& [k, v] : rows) out << "    [" << Quote(k) << "]=" << Quote(v) << "\n";
  out << "  )\n";
}

std::string Fn(const std::string& program) {
  std::string out = "_";
  for (char c : program) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

// The script's start: a comment, the function's name and its tables (and
// `extra`, zsh's descriptions).
void Head(std::ostream& out, const CommandSpec& root, const char* shell,
          const std::vector<std::pair<std::string, std::string>>* extra = nullptr) {
  const Tables t = Build(root);
  out << "# " << shell << " completion for " << root.name
      << " — generated from its command definition by `" << root.name << " __generate " << shell
      << "`; do not edit.\n"
      << Fn(root.name) << "() {\n"
      << "  local -A subs opts vals pos" << (extra ? " descs" : "") << "\n";
  Table(out, "subs", t.subs);
  Table(out, "opts", t.opts);
  Table(out, "vals", t.vals);
  Table(out, "pos", t.pos);
  if (extra) Table(out, "descs", *extra);
}

}  // namespace

std::string BashCompletion(const CommandSpec& root) {
  const std::string fn = Fn(root.name);
  std::ostringstream out;
  Head(out, root, "bash");
  out << R"SH(  local cur=${COMP_WORDS[COMP_CWORD]} cmd=/ w i n=0 kind="" socket=()
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -?* ]]; then
      if [[ $w != *=* && -n ${vals["$cmd|$w"]+x} ]]; then
        [[ $w == --socket ]] && socket=(--socket "${COMP_WORDS[i + 1]}")
        if ((i + 1 == COMP_CWORD)); then kind=${vals["$cmd|$w"]}; break; fi
        ((i++))
      fi
    elif [[ -n ${subs[$cmd]+x} && " ${subs[$cmd]} " == *" $w "* ]]; then
      cmd=${cmd%/}/$w
      n=0
    else
      ((n++))
    fi
  done
  if [[ -z $kind ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "${opts[$cmd]}" -- "$cur"))
      return
    fi
    if [[ -n ${subs[$cmd]+x} ]]; then
      COMPREPLY=($(compgen -W "${subs[$cmd]}" -- "$cur"))
      return
    fi
    local kinds=(${pos[$cmd]})
    ((${#kinds[@]} == 0)) && return
    if ((n < ${#kinds[@]})); then kind=${kinds[n]}; else kind=${kinds[-1]}; fi
    [[ $kind != *... && n -ge ${#kinds[@]} ]] && return
    kind=${kind%...}
  fi
  case $kind in
    SESSION)
      local IFS=$'\n'
      COMPREPLY=($(compgen -W "$(rosterctl "${socket[@]}" __complete sessions 2>/dev/null)" -- "$cur"))
      ;;
    FILE) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    DIR) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    \{*) local choices=${kind:1:-1}; COMPREPLY=($(compgen -W "${choices//,/ }" -- "$cur")) ;;
  esac
}
complete -F )SH"
      << fn << " " << root.name << "\n";
  return out.str();
}

std::string ZshCompletion(const CommandSpec& root) {
  const std::string fn = Fn(root.name);
  // zsh shows a description beside each command and option.
  std::vector<std::pair<std::string, std::string>> descs;
  Walk(root, "/", [&descs](const std::string& path, const CommandSpec& c) {
    std::string lines;
    auto add = [&lines](const std::string& name, const std::string& help) {
      std::string h;
      for (char ch : help) h += ch == ':' ? std::string("\\:") : std::string(1, ch);
      lines += (lines.empty() ? "" : "\n") + name + ":" + h;
    };
    for (const auto& s : c.subcommands) add(s.name, s.help);
    for (const auto& o : c.options) {
      for (const auto& n : o.names) add(n, o.help);
    }
    descs.emplace_back(path, lines);
  });
  std::ostringstream out;
  out << "#compdef " << root.name << "\n";
  Head(out, root, "zsh", &descs);
  out << R"SH(  local cur=${words[CURRENT]} cmd=/ key w i n=0 kind="" socket=()
  for ((i = 2; i < CURRENT; i++)); do
    w=${words[i]}
    key="$cmd|$w"
    if [[ $w == -?* ]]; then
      if [[ $w != *=* ]] && (( ${+vals[$key]} )); then
        [[ $w == --socket ]] && socket=(--socket "${words[i + 1]}")
        if ((i + 1 == CURRENT)); then kind=${vals[$key]}; break; fi
        ((i++))
      fi
    elif (( ${+subs[$cmd]} )) && [[ " ${subs[$cmd]} " == *" $w "* ]]; then
      cmd=${cmd%/}/$w
      n=0
    else
      ((n++))
    fi
  done
  local -a lines items kinds
  if [[ -z $kind ]]; then
    lines=("${(@f)descs[$cmd]}")
    if [[ $cur == -* ]]; then
      items=(${(M)lines:#-*})
      _describe -t options option items
      return
    fi
    if (( ${+subs[$cmd]} )); then
      items=(${lines:#-*})
      _describe -t commands command items
      return
    fi
    kinds=(${=pos[$cmd]})
    ((${#kinds} == 0)) && return 1
    if ((n < ${#kinds})); then kind=${kinds[n + 1]}; else kind=${kinds[-1]}; fi
    [[ $kind != *... && n -ge ${#kinds} ]] && return 1
    kind=${kind%...}
  fi
  case $kind in
    SESSION) items=(${(f)"$(rosterctl $socket __complete sessions 2>/dev/null)"}); compadd -a items ;;
    FILE) _files ;;
    DIR) _files -/ ;;
    \{*) items=(${(s:,:)${kind[2,-2]}}); compadd -a items ;;
    *) return 1 ;;
  esac
}
)SH" << fn
      << " \"$@\"\n";
  return out.str();
}

// help2man include text: one COMMANDS entry per command with its arguments
// and options.
std::string ManSections(const CommandSpec& root) {
  if (root.subcommands.empty()) return "";
  std::ostringstream out;
  out << "[COMMANDS]\n";
  auto roff = [](const std::string& s) {
    std::string r;
    for (char c : s)
      r += c == '\\' ? std::string("\\e") : c == '-' ? std::string("\\-") : std::string(1, c);
    return r;
  };
  Walk(root, "/", [&](const std::string& path, const CommandSpec& c) {
    if (path == "/" || !c.subcommands.empty()) return;
    std::string words = root.name;
    for (char ch : path) words += ch == '/' ? ' ' : ch;
    out << ".TP\n\\fB" << roff(words) << "\\fR";
    for (const auto& p : c.positionals)
      out << " \\fI" << roff(p.name) << (p.many ? "\\fR..." : "\\fR");
    out << "\n" << roff(c.help) << "\n";
    for (const auto& o : c.options) {
      if (o.names.empty() || o.names.back() == "--help") continue;
      out << ".br\n\\ \\ \\fB" << roff(Join(o.names, ", ")) << "\\fR";
      if (o.takes_value) {
        out << " \\fI" << roff(o.choices.empty() ? o.type : KindWord(o.kind, o.choices)) << "\\fR";
      }
      out << " \\(em " << roff(o.help) << "\n";
    }
  });
  return out.str();
}

}  // namespace roster::cli

// sql_guard.cc — a small SQL lexer that finds the statements sql_guard.h lists.
#include "store/dqlite/sql_guard.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace roster::store::dqlite {
namespace {

// PRAGMAs dqlite's VFS owns: refused when given a value.
constexpr std::string_view kOwnedPragmas[] = {
    "journal_mode", "synchronous",        "page_size",         "locking_mode",
    "mmap_size",    "wal_autocheckpoint", "journal_size_limit"};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Tokens of `sql`: lower-cased words and single punctuation characters;
// comments, literals and quoted names become a "?" token.
std::vector<std::string> Tokens(std::string_view sql) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_to = [&](std::string_view end) {
    size_t at = sql.find(end, i);
    i = at == std::string_view::npos ? sql.size() : at + end.size();
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      skip_to("\n");
    } else if (sql.substr(i, 2) == "/*") {
      i += 2;
      skip_to("*/");
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      const char close = c == '[' ? ']' : c;
      for (++i; i < sql.size(); ++i) {  // a doubled quote is an escaped one
        if (sql[i] != close) continue;
        if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
          ++i;
          continue;
        }
        break;
      }
      ++i;
      out.emplace_back("?");
    } else if (IsWordChar(c)) {
      size_t start = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      out.push_back(Lower(sql.substr(start, i - start)));
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string UnsafeSql(std::string_view sql) {
  const std::vector<std::string> t = Tokens(sql);
  bool statement_start = true;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == ";") {
      statement_start = true;
      continue;
    }
    const bool first = statement_start;
    statement_start = false;
    if (t[i] == "returning") {
      return "dqlite 1.11 aborts the node's process on a RETURNING clause: run the write with "
             "Exec and read the rows back with a SELECT";
    }
    if (!first || t[i] != "pragma") continue;
    size_t name = i + 1;  // PRAGMA [schema.]name
    if (name + 2 < t.size() && t[name + 1] == ".") name += 2;
    if (name >= t.size()) continue;
    if (t[name] == "wal_checkpoint") {
      return "dqlite 1.11 crashes on PRAGMA wal_checkpoint (dqlite checkpoints by itself)";
    }
    const bool given_value = name + 1 < t.size() && (t[name + 1] == "=" || t[name + 1] == "(");
    for (std::string_view owned : kOwnedPragmas) {
      if (given_value && t[name] == owned) {
        return "dqlite 1.11 can crash on setting PRAGMA " + std::string(owned) +
               " (its VFS owns the journal, sync and page settings)";
      }
    }
  }
  return "";
}

}  // namespace roster::store::dqlite

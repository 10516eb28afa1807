// sql_lex.cc — the tokenizer and statement splitter of sql_lex.h.
#include "store/dqlite/sql_lex.h"

#include <algorithm>
#include <cctype>

namespace roster::store::dqlite {
namespace {

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

using Tokens = std::vector<std::string>;

// The statement made of tokens [from, to).
SqlKind Classify(const Tokens& t, size_t from, size_t to) {
  auto at = [&](size_t i) -> std::string_view { return from + i < to ? t[from + i] : ""; };
  const std::string_view first = at(0);
  if (first == "select" || first == "values" || first == "explain") return SqlKind::kRows;
  if (first == "with") {
    // The verb after the common table expressions (at depth 0).
    int depth = 0;
    for (size_t i = from + 1; i < to; ++i) {
      if (t[i] == "(") ++depth;
      if (t[i] == ")") --depth;
      if (depth != 0) continue;
      if (t[i] == "select" || t[i] == "values") return SqlKind::kRows;
      if (t[i] == "insert" || t[i] == "update" || t[i] == "delete" || t[i] == "replace") break;
    }
    return SqlKind::kWrite;
  }
  if (first == "pragma") {
    // PRAGMA [schema.]name = value sets (and returns nothing); the rest read.
    const size_t value = at(2) == "." ? 4 : 2;
    return at(value) == "=" ? SqlKind::kWrite : SqlKind::kRows;
  }
  if (first == "begin") {
    return at(1) == "immediate" || at(1) == "exclusive" ? SqlKind::kBeginWrite : SqlKind::kBegin;
  }
  if (first == "commit" || first == "end") return SqlKind::kCommit;
  if (first == "savepoint") return SqlKind::kSavepoint;
  if (first == "release") return SqlKind::kRelease;
  if (first == "rollback") {
    for (size_t i = from + 1; i < to; ++i) {
      if (t[i] == "to") return SqlKind::kRollbackTo;
    }
    return SqlKind::kRollback;
  }
  return SqlKind::kWrite;
}

}  // namespace

std::vector<std::string> SqlTokens(std::string_view sql) {
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

const char* SqlKindName(SqlKind kind) {
  switch (kind) {
    case SqlKind::kRows:
      return "rows";
    case SqlKind::kWrite:
      return "write";
    case SqlKind::kBegin:
      return "begin";
    case SqlKind::kBeginWrite:
      return "begin immediate";
    case SqlKind::kCommit:
      return "commit";
    case SqlKind::kRollback:
      return "rollback";
    case SqlKind::kSavepoint:
      return "savepoint";
    case SqlKind::kRelease:
      return "release";
    case SqlKind::kRollbackTo:
      return "rollback to";
  }
  return "?";
}

std::vector<SqlKind> StatementKinds(std::string_view sql) {
  const Tokens t = SqlTokens(sql);
  std::vector<SqlKind> kinds;
  size_t start = 0;
  bool trigger = false;  // a CREATE TRIGGER statement, before its body
  int body = 0;          // inside its BEGIN … END: 1, plus one per open CASE
  for (size_t i = 0; i <= t.size(); ++i) {
    if (i < t.size()) {
      const std::string& w = t[i];
      if (i == start) trigger = false;
      if (w == "trigger" && body == 0 && t[start] == "create") trigger = true;
      if (trigger && body == 0 && w == "begin") {
        body = 1;
        continue;
      }
      if (body > 0) {
        if (w == "case") ++body;
        if (w == "end") --body;
        if (body > 0 || w == "end") continue;
      }
      if (w != ";") continue;
    }
    if (i > start) kinds.push_back(Classify(t, start, i));
    start = i + 1;
    trigger = false;
  }
  return kinds;
}

}  // namespace roster::store::dqlite

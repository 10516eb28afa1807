// sql_guard.cc — finds the statements sql_guard.h lists, by their tokens (sql_lex.h).
#include "store/dqlite/sql_guard.h"

#include <vector>

#include "store/dqlite/sql_lex.h"

namespace roster::store::dqlite {
namespace {

// PRAGMAs dqlite's VFS owns: refused when given a value.
constexpr std::string_view kOwnedPragmas[] = {
    "journal_mode", "synchronous",        "page_size",         "locking_mode",
    "mmap_size",    "wal_autocheckpoint", "journal_size_limit"};

}  // namespace

std::string UnsafeSql(std::string_view sql) {
  const std::vector<std::string> t = SqlTokens(sql);
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

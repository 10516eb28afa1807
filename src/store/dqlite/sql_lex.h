// sql_lex.h — just enough of SQLite's SQL to act on it without a parser: the
// tokens of a text, where its statements end, and what each statement is.
//
// A dqlite 1.11 node must be sent an EXEC for a statement that writes and a
// QUERY for one that returns rows (an EXEC of a row-returning statement
// fails; a QUERY of a write would step it outside Raft), and 1.11 reports
// neither a statement's column count nor whether a transaction is open. So
// the store reads both from the SQL: StatementKinds() splits a text into its
// statements (a CREATE TRIGGER's BEGIN ... END body, with its inner ';' and
// CASE ... END, stays one statement, as in sqlite3_complete) and names each
// one's kind.
//
// Comments, string literals and quoted names are skipped, so a keyword inside
// one never counts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace roster::store::dqlite {

// Lower-cased words and single punctuation characters; a comment is dropped,
// a literal or quoted name becomes "?".
std::vector<std::string> SqlTokens(std::string_view sql);

enum class SqlKind {
  kRows,        // returns rows: SELECT, VALUES, WITH … SELECT, EXPLAIN, a PRAGMA read
  kWrite,       // everything else that is not transaction control (no rows)
  kBegin,       // BEGIN [DEFERRED] [TRANSACTION]
  kBeginWrite,  // BEGIN IMMEDIATE or EXCLUSIVE: takes the write lock at once
  kCommit,      // COMMIT or END
  kRollback,    // ROLLBACK (the whole transaction)
  kSavepoint,   // SAVEPOINT name
  kRelease,     // RELEASE [SAVEPOINT] name
  kRollbackTo,  // ROLLBACK [TRANSACTION] TO [SAVEPOINT] name
};

// "rows", "write", "begin", … (for messages and tests).
const char* SqlKindName(SqlKind kind);

// The kind of each statement of `sql`, in order; empty statements (";;", a
// comment) are left out.
std::vector<SqlKind> StatementKinds(std::string_view sql);

}  // namespace roster::store::dqlite

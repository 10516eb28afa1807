// sql_text.h — a query's rows as text, for the tests that compare databases
// or one database before and after (schema, entities, feed compatibility).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

namespace roster::testing {

// Every row of `sql`, one line each, each value followed by '|'; NULL reads
// "NULL", so it differs from an empty text.
inline std::string Rows(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  std::string out;
  while (q.executeStep()) {
    for (int i = 0; i < q.getColumnCount(); ++i) {
      out += q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString();
      out += '|';
    }
    out += '\n';
  }
  return out;
}

}  // namespace roster::testing

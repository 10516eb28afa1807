// sqlite_statement.h — internal to the store layer: the SQLite file engine's
// Statement, straight on SQLite's C API (sqlite3_stmt), and the mapping of
// SQLite result codes onto DbError.
//
// Prepared with SQLITE_PREPARE_PERSISTENT: the Registry keeps its statements
// for the connection's life. Text is bound with SQLITE_TRANSIENT (copied), so
// a caller's temporary may go away before the step.
//
// Thread-safety: none (the connection's thread only).
#pragma once

#include <sqlite3.h>

#include "store/sql.h"

namespace roster::store {

// Throws the DbError for `rc` (a failed SQLite call on `db`).
[[noreturn]] void ThrowSqlite(sqlite3* db, int rc);
// DbError's failure for an SQLite result code.
DbError::Failure SqliteFailure(int rc);

class SqliteStatement final : public Statement {
 public:
  // Throws DbError when `sql` does not prepare.
  SqliteStatement(sqlite3* db, const std::string& sql);
  ~SqliteStatement() override;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  using Statement::bind;
  void bind(int index, int64_t value) override;
  void bind(int index, double value) override;
  void bind(int index, std::string_view text) override;
  void bind(int index) override;
  bool executeStep() override;
  int exec() override;
  int getColumnCount() const override { return sqlite3_column_count(stmt_); }
  std::string getColumnName(int index) const override;
  void reset() override;
  void tryReset() noexcept override { sqlite3_reset(stmt_); }
  void clearBindings() override { sqlite3_clear_bindings(stmt_); }

  ColumnType ColumnTypeAt(int index) const override;
  int64_t ColumnInt64(int index) const override { return sqlite3_column_int64(stmt_, index); }
  double ColumnDouble(int index) const override { return sqlite3_column_double(stmt_, index); }
  std::string_view ColumnText(int index) const override;

 private:
  void Check(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace roster::store

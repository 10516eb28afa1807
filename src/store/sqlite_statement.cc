// sqlite_statement.cc — the SQLite file engine's Statement and error mapping.
#include "store/sqlite_statement.h"

namespace roster::store {

DbError::Failure SqliteFailure(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return DbError::Failure::kBusy;
    case SQLITE_CONSTRAINT:
      return DbError::Failure::kConstraint;
    case SQLITE_FULL:
      return DbError::Failure::kFull;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DbError::Failure::kCorrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return DbError::Failure::kIo;
    default:
      return DbError::Failure::kOther;
  }
}

void ThrowSqlite(sqlite3* db, int rc) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw DbError(SqliteFailure(rc), extended, message ? message : sqlite3_errstr(rc));
}

SqliteStatement::SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    ThrowSqlite(db, rc);
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::Check(int rc) const {
  if (rc != SQLITE_OK) ThrowSqlite(db_, rc);
}

void SqliteStatement::bind(int index, int64_t value) {
  Check(sqlite3_bind_int64(stmt_, index, value));
}

void SqliteStatement::bind(int index, double value) {
  Check(sqlite3_bind_double(stmt_, index, value));
}

void SqliteStatement::bind(int index, std::string_view text) {
  Check(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStatement::bind(int index) { Check(sqlite3_bind_null(stmt_, index)); }

bool SqliteStatement::executeStep() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  ThrowSqlite(db_, rc);
}

int SqliteStatement::exec() {
  const int rc = sqlite3_step(stmt_);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_ROW) {
      throw DbError(DbError::Failure::kOther, SQLITE_MISUSE,
                    "exec() of a statement that returns rows");
    }
    ThrowSqlite(db_, rc);
  }
  return sqlite3_changes(db_);
}

std::string SqliteStatement::getColumnName(int index) const {
  const char* name = sqlite3_column_name(stmt_, index);
  return name ? name : "";
}

void SqliteStatement::reset() { Check(sqlite3_reset(stmt_)); }

ColumnType SqliteStatement::ColumnTypeAt(int index) const {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER:
      return ColumnType::kInteger;
    case SQLITE_FLOAT:
      return ColumnType::kFloat;
    case SQLITE_BLOB:
      return ColumnType::kBlob;
    case SQLITE_NULL:
      return ColumnType::kNull;
    default:
      return ColumnType::kText;
  }
}

std::string_view SqliteStatement::ColumnText(int index) const {
  // Text first, then its length (SQLite's documented order).
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const int bytes = sqlite3_column_bytes(stmt_, index);
  return text ? std::string_view(text, static_cast<size_t>(bytes)) : std::string_view();
}

}  // namespace roster::store

// sql.h — the store's SQL interface: what the Registry and the file tools need
// of one database connection, whichever engine is behind it (the SQLite file,
// or a dqlite cluster reached over its wire protocol).
//
// Both engines run the same SQL (SQLite's dialect: dqlite is replicated
// SQLite), so the store's code is written once against this interface. Its
// names follow SQLiteCpp's (bind, executeStep, exec, getColumn(i).getInt64()),
// so the store's SQL code reads as it always did.
//
// Errors: every call that runs SQL throws DbError, whose Failure names what
// went wrong in terms every engine can report; the store turns it into a
// Status at its boundary (FromDbError), so no engine's exception or raw text
// leaves the store.
//
// Thread-safety: none. A Database and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "util/status.h"

namespace roster::store {

class DbError : public std::runtime_error {
 public:
  enum class Failure {
    kBusy,            // another writer holds the lock (SQLITE_BUSY / LOCKED)
    kConstraint,      // a UNIQUE, CHECK, NOT NULL or foreign-key constraint
    kFull,            // the disk (or the engine's store) is full
    kCorrupt,         // the file is damaged or not a database
    kIo,              // an I/O error reading or writing the store
    kNotLeader,       // dqlite: this node cannot serve (no leader, or leadership lost
                      // before the statement ran): nothing was applied
    kUnknownOutcome,  // dqlite: the answer was lost; the write may have committed
    kDisconnected,    // dqlite: the connection to the leader was lost before the
                      // statement was applied (its transaction with it)
    kOther,
  };
  // `code` is the engine's own code (SQLite's extended result code).
  DbError(Failure failure, int code, const std::string& message)
      : std::runtime_error(message), failure_(failure), code_(code) {}
  Failure failure() const { return failure_; }
  int code() const { return code_; }

 private:
  Failure failure_;
  int code_;
};

// A Status for an exception caught at the store's boundary: a DbError by its
// failure (a constraint by the rule it broke: a second open pause is
// invalid_state, a taken name conflict, ...), a filesystem error by its path
// and reason, anything else as internal. The message is a sentence that says
// what to do; the engine's own text goes to the log (LogWarn), never into the
// Status, so no raw SQLite text reaches a client. A busy or full store is
// `unavailable` with data.cause "busy" or "disk_full", so a program can tell
// the two apart without reading the message.
Status FromDbError(const std::exception& e);

enum class ColumnType { kInteger, kFloat, kText, kBlob, kNull };

class Statement;

// One column of a statement's current row. Valid until the statement steps,
// resets or is destroyed.
class Column {
 public:
  Column(const Statement& statement, int index) : statement_(&statement), index_(index) {}
  int64_t getInt64() const;
  int getInt() const { return static_cast<int>(getInt64()); }
  double getDouble() const;
  std::string getString() const { return std::string(getText()); }
  // The text without a copy (valid as a Column is).
  std::string_view getText() const;
  const void* getBlob() const { return getText().data(); }
  int getBytes() const { return static_cast<int>(getText().size()); }
  bool isNull() const { return getType() == ColumnType::kNull; }
  ColumnType getType() const;

 private:
  const Statement* statement_;
  int index_;
};

// A prepared statement. Parameters are numbered from 1 (?1, ?2 …), columns
// from 0.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual void bind(int index, int64_t value) = 0;
  virtual void bind(int index, double value) = 0;
  virtual void bind(int index, std::string_view text) = 0;  // copied
  virtual void bind(int index) = 0;                         // NULL
  void bind(int index, int32_t value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, uint32_t value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, const std::string& text) { bind(index, std::string_view(text)); }
  void bind(int index, const char* text) { bind(index, std::string_view(text)); }

  // Steps to the next row: false once there is none.
  virtual bool executeStep() = 0;
  // Runs a statement that returns no rows; the number of rows it changed.
  virtual int exec() = 0;

  Column getColumn(int index) const { return Column(*this, index); }
  bool isColumnNull(int index) const { return ColumnTypeAt(index) == ColumnType::kNull; }
  virtual int getColumnCount() const = 0;
  virtual std::string getColumnName(int index) const = 0;

  // Back to before the first step, keeping the bindings. reset() throws the
  // error of a failed step; tryReset() never throws.
  virtual void reset() = 0;
  virtual void tryReset() noexcept = 0;
  virtual void clearBindings() = 0;

  // The current row's values, for Column. REQUIRES: executeStep() returned true.
  virtual ColumnType ColumnTypeAt(int index) const = 0;
  virtual int64_t ColumnInt64(int index) const = 0;
  virtual double ColumnDouble(int index) const = 0;
  virtual std::string_view ColumnText(int index) const = 0;
};

inline int64_t Column::getInt64() const { return statement_->ColumnInt64(index_); }
inline double Column::getDouble() const { return statement_->ColumnDouble(index_); }
inline std::string_view Column::getText() const { return statement_->ColumnText(index_); }
inline ColumnType Column::getType() const { return statement_->ColumnTypeAt(index_); }

// One connection to the store.
class Database {
 public:
  virtual ~Database() = default;
  // Prepares one statement (throws DbError on a syntax error or a missing table).
  virtual std::unique_ptr<Statement> Prepare(const std::string& sql) = 0;
  // Runs one or more statements that return no rows (a script, a pragma).
  virtual void Exec(const std::string& sql) = 0;
  // True while a transaction is open on this connection.
  virtual bool InTransaction() const = 0;
  // How long the next statements may wait for another writer's lock before
  // failing with kBusy; -1 restores the connection's default.
  virtual void SetLockWait(int ms) = 0;
  // Makes every transaction committed so far durable (file: the WAL is
  // flushed, for sync normal; an engine whose commits are durable when they
  // return does nothing).
  virtual Status SyncCommits() = 0;
  // A hint that `q`, bound as it is now, will be stepped right after the next
  // statement this connection runs. An engine that pays a round trip per
  // statement (dqlite) sends `q` in the same write and keeps its rows, so
  // that stepping it costs nothing if nothing else ran in between and it is
  // bound the same; otherwise it runs as usual. Others ignore it.
  // REQUIRES: `q` is a query, and outlives the next statement.
  virtual void Prefetch(Statement& q) { (void)q; }
  // The first column of the first row of `sql`, as text ("" when no row).
  std::string QueryText(const std::string& sql);
  int64_t QueryInt(const std::string& sql);
};

}  // namespace roster::store

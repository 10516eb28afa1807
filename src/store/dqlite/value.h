// value.h — one database value as dqlite sends and receives it: a parameter
// to bind, or a column of a row. A Value does not own its text or blob: as a
// parameter it points at the caller's bytes (alive until the call returns),
// in a row at the response buffer its Rows keeps.
//
// The accessors convert the way SQLite's sqlite3_column_* functions do, so
// code written against SQLite (getInt64, getString, isNull) reads rows the
// same way: NULL reads as 0 or "", an integer as its decimal text, a real as
// SQLite prints it ("1.0", "0.1", "1.0e+20"), text as the number it starts
// with. Two dqlite 1.11 quirks are undone here: a NULL in a column declared
// DATETIME, DATE or TIMESTAMP arrives as an empty ISO-8601 string (is_null()
// is true for it), and a NULL in a BOOLEAN column arrives as false (it cannot
// be told apart; do not declare columns BOOLEAN).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/dqlite/protocol.h"

namespace roster::store::dqlite {

class Value {
 public:
  Value() = default;  // NULL
  static Value Null() { return {}; }
  static Value Int(int64_t v) { return Value(Type::kInteger, v, 0, {}); }
  static Value Real(double v) { return Value(Type::kFloat, 0, v, {}); }
  // REQUIRES (checked when sent): no NUL byte in `v` — dqlite text ends at one.
  static Value Text(std::string_view v) { return Value(Type::kText, 0, 0, v); }
  static Value Blob(std::string_view bytes) { return Value(Type::kBlob, 0, 0, bytes); }
  static Value Bool(bool v) { return Value(Type::kBoolean, v ? 1 : 0, 0, {}); }
  // A timestamp as text (bound as TEXT; 1.11 cannot bind a UNIXTIME).
  static Value Iso8601(std::string_view v) { return Value(Type::kIso8601, 0, 0, v); }
  // Rows only: an INTEGER in a DATETIME column (seconds since the epoch).
  static Value UnixTime(int64_t v) { return Value(Type::kUnixTime, v, 0, {}); }

  Type type() const { return type_; }
  bool is_null() const {
    return type_ == Type::kNull || (type_ == Type::kIso8601 && bytes_.empty());
  }

  // SQLite's conversions (see the file comment).
  int64_t AsInt64() const;
  double AsDouble() const;
  std::string AsString() const;
  // The bytes of a text, ISO-8601 or blob value without a copy; "" for
  // anything else (use AsString to convert numbers).
  std::string_view AsText() const;

  // The raw fields, for encoding: the integer (INTEGER, BOOLEAN, UNIXTIME),
  // the real, the bytes (TEXT, BLOB, ISO8601).
  int64_t raw_int() const { return int_; }
  double raw_real() const { return real_; }
  std::string_view raw_bytes() const { return bytes_; }

  friend bool operator==(const Value& a, const Value& b);

 private:
  Value(Type type, int64_t i, double d, std::string_view bytes)
      : type_(type), int_(i), real_(d), bytes_(bytes) {}

  Type type_ = Type::kNull;
  int64_t int_ = 0;
  double real_ = 0;
  std::string_view bytes_;
};

// SQLite's text for a real (printf "%!.15g": "1.0", "0.1", "1.0e+20").
std::string RealToText(double v);

}  // namespace roster::store::dqlite

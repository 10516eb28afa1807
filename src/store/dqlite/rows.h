// rows.h — a query's result: column names and typed rows, decoded from one or
// more ROWS messages (a 1.11 node sends a result in parts of about a memory
// page, each repeating the column names, the last ending with the "done"
// marker). Rows owns the message bodies; its Values point into them, so a
// result costs one buffer per part and no copy per value.
//
// Read it as SQLite-style code reads a statement: by row and column index,
// with GetInt64/GetDouble/GetString/GetText/IsNull converting as SQLite does
// (value.h). A column index past the end reads as NULL, as in SQLite.
//
// Thread-safety: none needed once built (read-only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/dqlite/value.h"

namespace roster::store::dqlite {

class Row {
 public:
  Row(const Value* values, size_t n) : v_(values), n_(n) {}
  size_t size() const { return n_; }
  const Value& operator[](size_t i) const;
  bool IsNull(size_t i) const { return (*this)[i].is_null(); }
  int64_t GetInt64(size_t i) const { return (*this)[i].AsInt64(); }
  double GetDouble(size_t i) const { return (*this)[i].AsDouble(); }
  std::string GetString(size_t i) const { return (*this)[i].AsString(); }
  std::string_view GetText(size_t i) const { return (*this)[i].AsText(); }

 private:
  const Value* v_;
  size_t n_;
};

// Move-only: its Values point into its own buffers.
class Rows {
 public:
  Rows() = default;
  Rows(Rows&&) = default;
  Rows& operator=(Rows&&) = default;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  size_t size() const { return columns_.empty() ? 0 : values_.size() / columns_.size(); }
  bool empty() const { return size() == 0; }
  size_t columns() const { return columns_.size(); }
  std::string_view column_name(size_t i) const { return columns_.at(i); }
  // REQUIRES: r < size()
  Row operator[](size_t r) const { return Row(&values_[r * columns_.size()], columns_.size()); }
  // How many ROWS messages the result came in.
  size_t parts() const { return parts_.size(); }
  // Bytes of all its messages.
  size_t bytes() const { return bytes_; }

  class Iterator {
   public:
    Iterator(const Rows* rows, size_t r) : rows_(rows), r_(r) {}
    Row operator*() const { return (*rows_)[r_]; }
    Iterator& operator++() {
      ++r_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return r_ != o.r_; }

   private:
    const Rows* rows_;
    size_t r_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

  // Decodes one ROWS message body and keeps it. Sets *done when it carried
  // the final marker. On a malformed body returns false with the reason in
  // *why and leaves the rows decoded before it; a later part must name the
  // same columns as the first.
  bool AppendPart(std::vector<char> body, bool* done, std::string* why);

 private:
  std::vector<std::vector<char>> parts_;
  std::vector<std::string_view> columns_;
  std::vector<Value> values_;  // row-major
  size_t bytes_ = 0;
};

}  // namespace roster::store::dqlite

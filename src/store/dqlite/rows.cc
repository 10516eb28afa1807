// rows.cc — decoding ROWS messages (dqlite src/query.c, src/tuple.c).
#include "store/dqlite/rows.h"

#include "store/dqlite/wire.h"

namespace roster::store::dqlite {
namespace {

// Decodes one value of row type `type`.
bool DecodeValue(Decoder& d, uint8_t type, Value* out) {
  switch (static_cast<Type>(type)) {
    case Type::kInteger:
    case Type::kUnixTime:
    case Type::kBoolean: {
      int64_t v;
      if (!d.I64(&v)) return false;
      *out = type == static_cast<uint8_t>(Type::kInteger)    ? Value::Int(v)
             : type == static_cast<uint8_t>(Type::kUnixTime) ? Value::UnixTime(v)
                                                             : Value::Bool(v != 0);
      return true;
    }
    case Type::kFloat: {
      double v;
      if (!d.F64(&v)) return false;
      *out = Value::Real(v);
      return true;
    }
    case Type::kText:
    case Type::kIso8601: {
      std::string_view v;
      if (!d.Text(&v)) return false;
      *out = type == static_cast<uint8_t>(Type::kText) ? Value::Text(v) : Value::Iso8601(v);
      return true;
    }
    case Type::kBlob: {
      std::string_view v;
      if (!d.Blob(&v)) return false;
      *out = Value::Blob(v);
      return true;
    }
    case Type::kNull: {
      uint64_t ignored;
      if (!d.U64(&ignored)) return false;
      *out = Value::Null();
      return true;
    }
  }
  return false;  // not a type dqlite sends
}

}  // namespace

const Value& Row::operator[](size_t i) const {
  static const Value kNull;
  return i < n_ ? v_[i] : kNull;
}

bool Rows::AppendPart(std::vector<char> body, bool* done, std::string* why) {
  parts_.push_back(std::move(body));
  const std::vector<char>& b = parts_.back();
  bytes_ += b.size();
  Decoder d(std::string_view(b.data(), b.size()));
  uint64_t n;
  if (!d.U64(&n)) {
    *why = "no column count";
    return false;
  }
  // Each name takes at least a word; a zero-column row would take no bytes
  // at all (a node never sends one: a statement without columns fails).
  if (n == 0 || n > d.remaining() / kWord) {
    *why = "impossible column count " + std::to_string(n);
    return false;
  }
  const bool first = parts_.size() == 1;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name;
    if (!d.Text(&name)) {
      *why = "column name runs past the end";
      return false;
    }
    if (first) {
      columns_.push_back(name);
    } else if (n != columns_.size() || columns_[i] != name) {
      *why = "a later part names other columns than the first";
      return false;
    }
  }
  const size_t header = PadToWord((n + 1) / 2);  // 4 bits per column
  for (;;) {
    uint64_t word;
    if (!d.Peek64(&word)) {
      *why = "no end marker";
      return false;
    }
    if (word == kRowsPart || word == kRowsDone) {
      d.Skip(kWord);
      if (d.remaining() != 0) {
        *why = "bytes after the end marker";
        return false;
      }
      *done = word == kRowsDone;
      return true;
    }
    if (header > d.remaining()) {
      *why = "row header runs past the end";
      return false;
    }
    const char* types = b.data() + (b.size() - d.remaining());
    d.Skip(header);
    for (uint64_t i = 0; i < n; ++i) {
      uint8_t slot = static_cast<uint8_t>(types[i / 2]);
      uint8_t type = i % 2 == 0 ? (slot & 0x0f) : (slot >> 4);
      Value v;
      if (!DecodeValue(d, type, &v)) {
        *why = "value " + std::to_string(i) + " of type " + std::to_string(type) +
               " is unknown or runs past the end";
        // Drop the partial row so size() stays whole rows.
        values_.resize(values_.size() - i);
        return false;
      }
      values_.push_back(v);
    }
  }
}

}  // namespace roster::store::dqlite

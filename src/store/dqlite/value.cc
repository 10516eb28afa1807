// value.cc — SQLite's conversions between a Value's types.
#include "store/dqlite/value.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace roster::store::dqlite {
namespace {

bool IsTextLike(Type t) { return t == Type::kText || t == Type::kIso8601 || t == Type::kBlob; }

size_t SkipSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// The integer `s` starts with (after spaces, an optional sign), saturated at
// the int64 range, as sqlite3Atoi64 reads it; 0 when it starts with none.
int64_t TextToInt(std::string_view s) {
  size_t i = SkipSpace(s);
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  uint64_t magnitude = 0;
  bool overflow = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      overflow = true;
      break;
    }
    magnitude = magnitude * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = std::numeric_limits<int64_t>::max();
  if (negative) {
    if (overflow || magnitude > kMaxPositive + 1) return std::numeric_limits<int64_t>::min();
    return magnitude == kMaxPositive + 1 ? std::numeric_limits<int64_t>::min()
                                         : -static_cast<int64_t>(magnitude);
  }
  if (overflow || magnitude > kMaxPositive) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(magnitude);
}

// The decimal number `s` starts with (digits, a fraction, an exponent, as
// sqlite3AtoF reads it); 0 when it starts with none.
double TextToReal(std::string_view s) {
  size_t i = SkipSpace(s);
  const size_t start = i;
  auto digits = [&] {
    size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  bool any = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    any = digits() || any;
  }
  if (!any) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t mark = i++;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits()) i = mark;  // "1e" is 1
  }
  std::string_view number = s.substr(start, i - start);
  if (number[0] == '+') number.remove_prefix(1);  // from_chars takes no '+'
  double v = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec == std::errc::result_out_of_range) {  // +-HUGE_VAL or 0, as SQLite reads it
    return std::strtod(std::string(number).c_str(), nullptr);
  }
  return v;
}

// A real converted to an integer the way SQLite casts: truncated toward
// zero, saturated at the int64 range, NaN as 0.
int64_t RealToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
    return std::numeric_limits<int64_t>::min();
  }
  if (d >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(d);
}

}  // namespace

std::string RealToText(double v) {
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  std::string s(buf);
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  return e == std::string::npos ? mantissa : mantissa + s.substr(e);
}

int64_t Value::AsInt64() const {
  switch (type_) {
    case Type::kInteger:
    case Type::kUnixTime:
    case Type::kBoolean:
      return int_;
    case Type::kFloat:
      return RealToInt(real_);
    case Type::kText:
    case Type::kIso8601:
    case Type::kBlob:
      return TextToInt(bytes_);
    case Type::kNull:
      return 0;
  }
  return 0;
}

double Value::AsDouble() const {
  switch (type_) {
    case Type::kInteger:
    case Type::kUnixTime:
    case Type::kBoolean:
      return static_cast<double>(int_);
    case Type::kFloat:
      return real_;
    case Type::kText:
    case Type::kIso8601:
    case Type::kBlob:
      return TextToReal(bytes_);
    case Type::kNull:
      return 0;
  }
  return 0;
}

std::string Value::AsString() const {
  switch (type_) {
    case Type::kInteger:
    case Type::kUnixTime:
    case Type::kBoolean:
      return std::to_string(int_);
    case Type::kFloat:
      return RealToText(real_);
    case Type::kText:
    case Type::kIso8601:
    case Type::kBlob:
      return std::string(bytes_);
    case Type::kNull:
      return {};
  }
  return {};
}

std::string_view Value::AsText() const { return IsTextLike(type_) ? bytes_ : std::string_view(); }

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::kInteger:
    case Type::kUnixTime:
    case Type::kBoolean:
      return a.int_ == b.int_;
    case Type::kFloat:
      return a.real_ == b.real_ || (std::isnan(a.real_) && std::isnan(b.real_));
    case Type::kText:
    case Type::kIso8601:
    case Type::kBlob:
      return a.bytes_ == b.bytes_;
    case Type::kNull:
      return true;
  }
  return false;
}

}  // namespace roster::store::dqlite

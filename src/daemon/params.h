// params.h — checked decoding of a JSON object's members (request params and
// the config file) with Boost.JSON's try_value_to: a missing required member,
// a member of the wrong type or an unknown member becomes invalid_params with
// a message naming it. Never throws.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace roster::daemon {

class ParamReader {
 public:
  // `what` prefixes messages, e.g. "params" -> "params.ttl_ms must be an integer".
  explicit ParamReader(const boost::json::object& obj, std::string what = "params")
      : obj_(obj), what_(std::move(what)) {}

  // The member as T if present (and not null), nullopt if absent or null.
  template <typename T>
  std::optional<T> Optional(std::string_view key) {
    seen_.emplace_back(key);
    const boost::json::value* v = obj_.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    auto r = boost::json::try_value_to<T>(*v);
    if (!r) {
      Fail(key, std::string("must be ") + TypeName(static_cast<T*>(nullptr)));
      return std::nullopt;
    }
    return std::move(*r);
  }

  // The member as T; absence is an error.
  template <typename T>
  T Required(std::string_view key) {
    if (!obj_.if_contains(key) || obj_.at(key).is_null()) {
      seen_.emplace_back(key);
      Fail(key, "is required");
      return T{};
    }
    return Optional<T>(key).value_or(T{});
  }

  // The member as raw JSON (null included), not copied; nullptr only when
  // absent. Valid as long as the object read.
  const boost::json::value* Raw(std::string_view key) {
    seen_.emplace_back(key);
    return obj_.if_contains(key);
  }

  // A string or an array of strings, as a list.
  std::vector<std::string> StringOrList(std::string_view key);

  // OK, or the first problem (including unknown members).
  Status Finish() const;

  // The keys read so far, in the order they were read.
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  void Fail(std::string_view key, const std::string& problem);
  static const char* TypeName(std::string*) { return "a string"; }
  static const char* TypeName(int64_t*) { return "an integer"; }
  static const char* TypeName(bool*) { return "true or false"; }
  static const char* TypeName(boost::json::object*) { return "an object"; }
  static const char* TypeName(boost::json::value*) { return "JSON"; }
  static const char* TypeName(std::vector<std::string>*) { return "an array of strings"; }

  const boost::json::object& obj_;
  std::string what_;
  std::vector<std::string> seen_;  // keys read: a handful, searched linearly
  Status first_error_;
};

}  // namespace roster::daemon

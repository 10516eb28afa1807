// settings.h — the table of rosterd's settings: one row per key, with its
// type, its range (or its choices) and whether `status` reports it under
// `limits`. Loading (--config, flags), range checks, `status.limits` and the
// README's configuration table all come from this one table; nothing checks a
// key by hand.
//
// A setting's default is the initializer of its field in DaemonConfig
// (config.h), read through the row's accessor, so it too is defined once.
//
// Thread-safety: the table is immutable after first use.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config.h"

namespace roster::daemon {

struct Setting {
  enum class Type {
    kInt,     // an integer in [min, max]
    kChoice,  // one of `choices`
    kText,    // a string of min..max bytes (a file name, a path)
  };
  std::string_view key;
  Type type = Type::kInt;
  int64_t min = 0, max = 0;
  std::vector<std::string_view> choices;
  bool reported = false;         // in status.limits
  std::string_view default_doc;  // the README's default when it depends on the machine
  // kText only: what a value must hold beyond its length, as the README's
  // range and messages say it, and the check (nullptr: any text).
  std::string_view text_rule;
  bool (*text_ok)(std::string_view) = nullptr;
  // Exactly the pair for `type` is set: kInt uses the int accessors, the
  // others the text ones.
  std::function<int64_t(const DaemonConfig&)> get_int;
  std::function<void(DaemonConfig&, int64_t)> set_int;
  std::function<std::string(const DaemonConfig&)> get_text;
  std::function<void(DaemonConfig&, std::string)> set_text;
};

// Every setting, in the README's order.
const std::vector<Setting>& Settings();
// The row for `key`, or nullptr.
const Setting* FindSetting(std::string_view key);

// The range as the README shows it: "1..65536", "`full` or `normal`",
// "1..255 bytes". With markdown false, choices are bare: "full or normal".
std::string RangeText(const Setting& s, bool markdown = true);
// The default as the README shows it (`"auto"`, 1024, or default_doc).
std::string DefaultText(const Setting& s);

}  // namespace roster::daemon

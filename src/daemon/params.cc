// params.cc — ParamReader's list helper and final check.
#include "daemon/params.h"

#include <algorithm>

namespace roster::daemon {

void ParamReader::Fail(std::string_view key, const std::string& problem) {
  if (first_error_.ok()) {
    first_error_ = Status::InvalidParams(what_ + "." + std::string(key) + " " + problem);
  }
}

std::vector<std::string> ParamReader::StringOrList(std::string_view key) {
  seen_.emplace_back(key);
  const boost::json::value* v = obj_.if_contains(key);
  if (!v || v->is_null()) return {};
  if (v->is_string()) return {std::string(v->as_string())};
  auto r = boost::json::try_value_to<std::vector<std::string>>(*v);
  if (!r) {
    Fail(key, "must be a string or an array of strings");
    return {};
  }
  return std::move(*r);
}

Status ParamReader::Finish() const {
  if (!first_error_.ok()) return first_error_;
  for (const auto& [key, value] : obj_) {
    if (std::find(seen_.begin(), seen_.end(), std::string_view(key)) == seen_.end()) {
      return Status::InvalidParams(what_ + "." + std::string(key) +
                                   " is not a known field (see the API reference)");
    }
  }
  return Status::Ok();
}

}  // namespace roster::daemon

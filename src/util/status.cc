// status.cc — a Status's reason (from the error table), its text form, and
// the details a caller branches on.
#include "util/status.h"

#include "util/error_table.h"

namespace roster {

std::string_view Status::reason() const { return RowOf(code_).reason; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(reason()) + ": " + message_;
}

bool IsUnknownOutcome(const Status& s) {
  for (const auto& [key, value] : s.details()) {
    const auto* text = std::get_if<std::string>(&value);
    if (key == "cause" && text && *text == kCauseUnknownOutcome) return true;
  }
  return false;
}

}  // namespace roster

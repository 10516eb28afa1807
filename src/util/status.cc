// status.cc — a Status's reason (from the error table) and its text form.
#include "util/status.h"

#include "util/error_table.h"

namespace roster {

std::string_view Status::reason() const { return RowOf(code_).reason; }

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(reason()) + ": " + message_;
}

}  // namespace roster

// status.cc — reason strings for Status codes (part of the pinned API).
#include "util/status.h"

namespace roster {

std::string_view Status::reason() const {
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kInvalidState:
      return "invalid_state";
    case Code::kInvalidParams:
      return "invalid_params";
    case Code::kLimitExceeded:
      return "limit_exceeded";
    case Code::kCompacted:
      return "compacted";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(reason()) + ": " + message_;
}

}  // namespace roster

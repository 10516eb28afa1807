// validate.cc — input checks for the registry (see validate.h).
#include "store/validate.h"

#include "core/uuid.h"

namespace roster::store {
namespace {

bool ValidUtf8NoControl(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    size_t extra = c < 0x80           ? 0
                   : (c >> 5) == 0x6  ? 1
                   : (c >> 4) == 0xe  ? 2
                   : (c >> 3) == 0x1e ? 3
                                      : 4;
    if (extra > 3 || i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

Status CheckText(const char* field, const std::string& value, size_t max, bool allow_empty) {
  if (value.empty() && !allow_empty)
    return Status::InvalidParams(std::string(field) + " must not be empty");
  if (value.size() > max) {
    return Status::InvalidParams(std::string(field) + " is " + std::to_string(value.size()) +
                                 " bytes; the limit is " + std::to_string(max));
  }
  if (!ValidUtf8NoControl(value)) {
    return Status::InvalidParams(std::string(field) +
                                 " must be UTF-8 text without control characters");
  }
  return Status::Ok();
}

Status CheckJsonSize(const char* field, const std::string& text, size_t max) {
  size_t size = text.size();
  if (size > max) {
    return Status::InvalidParams(std::string(field) + " is " + std::to_string(size) +
                                 " bytes of JSON; the limit is " + std::to_string(max));
  }
  return Status::Ok();
}

Status CheckId(const std::string& id) {
  ROSTER_RETURN_IF_ERROR(CheckText("id", id, 128, false));
  if (id.find(' ') != std::string::npos) return Status::InvalidParams("id must not contain spaces");
  return Status::Ok();
}

Status CheckName(const std::string& name, const std::optional<std::string>& own_id) {
  ROSTER_RETURN_IF_ERROR(CheckText("name", name, 128, false));
  if (name.find(' ') != std::string::npos) {
    return Status::InvalidParams("name must not contain spaces");
  }
  if (LooksLikeUuid(name) && (!own_id || *own_id != name)) {
    return Status::InvalidParams(
        "name must not look like a UUID (ids and names share a namespace)");
  }
  return Status::Ok();
}

Status CheckLiveStatus(const std::string& status) {
  if (status == "active" || status == "idle") return Status::Ok();
  return Status::InvalidParams("status must be \"active\" or \"idle\" (got \"" + status +
                               "\"); use session.pause, session.resume or session.stop "
                               "for the others");
}

Status CheckAnyStatus(const std::string& status) {
  for (const char* s : {"active", "idle", "paused", "stopped", "stale"}) {
    if (status == s) return Status::Ok();
  }
  return Status::InvalidParams(
      "status must be one of active, idle, paused, stopped, stale (got \"" + status + "\")");
}

Status CheckActivity(const std::string& activity) {
  for (const char* a : kActivities) {
    if (activity == a) return Status::Ok();
  }
  return Status::InvalidParams(
      "activity must be one of working, waiting_input, waiting_permission (got \"" + activity +
      "\")");
}

Status StoppedError(const Session& s) {
  return Status::InvalidState("session " + s.name +
                              " is stopped and accepts no update; "
                              "register it again (same id) to revive it, or remove it");
}

Status PausedError(const Session& s) {
  return Status::InvalidState("session " + s.name + " is paused; resume it first (session.resume)");
}

}  // namespace roster::store

// validate.h — internal to the store layer: input checks and the standard
// error messages of the session rules. Each returns invalid_params (or
// invalid_state) with a message that names the field and what is allowed.
#pragma once

#include <optional>
#include <string>

#include "core/types.h"
#include "util/status.h"

namespace roster::store {

// 1..max bytes (or 0 when allow_empty), valid UTF-8 without control characters.
Status CheckText(const char* field, const std::string& value, size_t max, bool allow_empty);
// Serialized JSON `text` at most `max` bytes.
Status CheckJsonSize(const char* field, const std::string& text, size_t max);
// A session id: 1..128 printable characters without spaces.
Status CheckId(const std::string& id);
// A friendly name: 1..128 characters, no spaces or control characters, not
// shaped like a UUID unless it is the session's own id.
Status CheckName(const std::string& name, const std::optional<std::string>& own_id);
// "active" or "idle" (what heartbeat and update may set).
Status CheckLiveStatus(const std::string& status);
// Any session status (for list filters).
Status CheckAnyStatus(const std::string& status);
// One of kActivities (working, waiting_input, waiting_permission).
Status CheckActivity(const std::string& activity);

Status StoppedError(const Session& s);
Status PausedError(const Session& s);

}  // namespace roster::store

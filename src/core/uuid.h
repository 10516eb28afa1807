// uuid.h — random (version 4) UUIDs from the kernel's CSPRNG (getrandom(2)).
#pragma once

#include <string>

namespace roster {

// Returns a new lower-case UUID v4, e.g. "3f2b…-4…". Thread-safe.
std::string NewUuidV4();

// True when `s` has the 8-4-4-4-12 hex shape of a UUID (any version).
bool LooksLikeUuid(const std::string& s);

}  // namespace roster

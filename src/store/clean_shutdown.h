// clean_shutdown.h — the clean-shutdown marker, which lets rosterd skip its
// start-up integrity check when nothing can have changed the file since it
// last stopped cleanly.
//
// After a clean stop (the final TRUNCATE checkpoint succeeded and every
// connection is closed) rosterd writes `<db>.clean`: the file's device, inode,
// size and modification time, and the feed's last rev. On the next start the
// marker is read and removed before the database is opened, so a crash after
// that start forces a full check on the one after it. The check is skipped
// only when the file still has that identity, no WAL file holds frames, and
// (checked once open) the feed still ends at that rev. Anything else — kill -9,
// power loss, a write by the sqlite3 shell or an import, a restore, a copy —
// runs the full quick_check.
//
// Limits: a change that keeps the size and the mtime (the kernel stamps mtime
// with a granularity of a few milliseconds) and leaves the rev alone goes
// unnoticed; only a write that bypasses SQLite within that window can do that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/status.h"

namespace roster::store {

// The marker's path for a database file.
inline std::string CleanMarkerPathFor(const std::string& db) { return db + ".clean"; }

// Records that `db_path` was closed cleanly with its feed at `rev`.
// REQUIRES: every connection to the file is closed and its WAL is empty.
Status WriteCleanMarker(const std::string& db_path, int64_t rev);

// Removes the marker and returns the rev it vouches for when the file still
// matches it; otherwise nullopt with the reason in *why.
std::optional<int64_t> TakeCleanMarker(const std::string& db_path, std::string* why);

}  // namespace roster::store

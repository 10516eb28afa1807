// dqlite_dump.h — a dqlite-backed registry as a SQLite file, for
// roster-backup: DUMP asks the node for a consistent copy of the database
// (its pages and its WAL, as one message, taken between two commits on the
// node's single thread), which is written out as an ordinary Roster database
// file — the WAL folded in, one self-contained file. Backup renames it into
// place; verify and export read it like any database file, so they check and
// write exactly what the node held at one instant, beside a running rosterd.
//
// Addresses: roster-backup names a node as "dqlite://a.b.c.d:port" wherever
// it takes a database file (IsDqliteSource, DqliteAddress).
#pragma once

#include <string>

#include "util/status.h"

namespace roster::store {

inline constexpr const char* kDqliteScheme = "dqlite://";

// True when `source` names a dqlite node ("dqlite://127.0.0.1:9001").
bool IsDqliteSource(const std::string& source);
// The node's address in such a source.
std::string DqliteAddress(const std::string& source);

// Writes the database of the node at `address` (its leader's copy) to `out`
// as a self-contained SQLite file (out is created or replaced). Its size in
// bytes. unavailable when no node answers (with the reason), the DUMP fails
// or the file cannot be written.
Result<int64_t> DumpDqlite(const std::string& address, const std::string& out);

}  // namespace roster::store

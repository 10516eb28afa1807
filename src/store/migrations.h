// migrations.h — schema migrations embedded at build time from
// migrations/NNNN_name.sql, applied in order, one transaction each, and
// tracked by PRAGMA user_version.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace roster::store {

class Database;

struct Migration {
  int version;       // NNNN of the file name; user_version after it is applied
  const char* name;  // the part after NNNN_
  const char* sql;   // the file's text
};

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& EmbeddedMigrations();

// The schema version this binary knows (the last migration's version).
int LatestSchemaVersion();

// Applies every embedded migration newer than the database's user_version,
// each in its own BEGIN IMMEDIATE transaction; a database newer than this
// binary is refused (unavailable) untouched. `what` names it in messages.
Status Migrate(Database& db, const std::string& what);

// PRAGMA quick_check (full: integrity_check) and a foreign-key check: OK, or
// internal naming what is wrong.
Status CheckIntegrity(Database& db, bool full);

// The refusal of a database (`what`) whose schema `version` is newer than
// this binary knows.
Status NewerSchemaError(const std::string& what, int version);

}  // namespace roster::store

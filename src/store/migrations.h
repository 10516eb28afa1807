// migrations.h — schema migrations embedded at build time from
// migrations/NNNN_name.sql, applied in order, one transaction each, and
// tracked by PRAGMA user_version.
#pragma once

#include <string>
#include <vector>

namespace roster::store {

struct Migration {
  int version;       // NNNN of the file name; user_version after it is applied
  const char* name;  // the part after NNNN_
  const char* sql;   // the file's text
};

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& EmbeddedMigrations();

// The schema version this binary knows (the last migration's version).
int LatestSchemaVersion();

}  // namespace roster::store

// migrate.cc — what opening a store does on any Database: the embedded
// migrations, and the integrity check.
#include "store/migrations.h"
#include "store/sql.h"

namespace roster::store {

int LatestSchemaVersion() {
  const auto& all = EmbeddedMigrations();
  return all.empty() ? 0 : all.back().version;
}

Status NewerSchemaError(const std::string& what, int version) {
  return Status::Unavailable(
      what + " has schema version " + std::to_string(version) + ", newer than this binary knows (" +
      std::to_string(LatestSchemaVersion()) + "); upgrade Roster — the database was not touched");
}

Status Migrate(Database& db, const std::string& what) {
  try {
    const int current = static_cast<int>(db.QueryInt("PRAGMA user_version"));
    if (current > LatestSchemaVersion()) return NewerSchemaError(what, current);
    for (const auto& m : EmbeddedMigrations()) {
      if (m.version <= current) continue;
      db.Exec("BEGIN IMMEDIATE");
      try {
        // Another process may have migrated first.
        if (db.QueryInt("PRAGMA user_version") < m.version) {
          db.Exec(m.sql);
          db.Exec("PRAGMA user_version = " + std::to_string(m.version));
        }
        db.Exec("COMMIT");
      } catch (...) {
        if (db.InTransaction()) {
          try {
            db.Exec("ROLLBACK");
          } catch (const std::exception&) {  // nothing left to undo
          }
        }
        throw;
      }
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return FromDbError(e);
  }
}

Status CheckIntegrity(Database& db, bool full) {
  try {
    auto q = db.Prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
    std::string problems;
    while (q->executeStep()) {
      std::string line = q->getColumn(0).getString();
      if (line == "ok") continue;
      problems += (problems.empty() ? "" : "; ") + line;
    }
    if (!problems.empty()) return Status::Internal("integrity check failed: " + problems);
    auto fk = db.Prepare("PRAGMA foreign_key_check");
    if (fk->executeStep()) {
      return Status::Internal("foreign key check failed in table " + fk->getColumn(0).getString());
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return FromDbError(e);
  }
}

}  // namespace roster::store

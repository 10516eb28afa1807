// sql.cc — the engine-neutral parts of the SQL interface: error mapping at
// the store's boundary and one-value queries.
#include "store/sql.h"

#include <filesystem>

#include "util/log.h"

namespace roster::store {

namespace {

// "UNIQUE constraint failed: pauses.session_id" -> "pauses.session_id".
std::string ConstraintTarget(const std::string& raw) {
  const size_t colon = raw.find("constraint failed: ");
  return colon == std::string::npos ? "" : raw.substr(colon + 19);
}

// A constraint failure as the rule it broke, in words. The known ones are
// the schema's own; anything else (a CHECK or trigger added from a shell) is
// named only by its kind.
Status ConstraintStatus(const std::string& raw) {
  const std::string target = ConstraintTarget(raw);
  struct Known {
    const char* target;
    Code code;
    const char* sentence;
  };
  static const Known kKnown[] = {
      {"pauses.session_id", Code::kInvalidState,
       "the session already has an open pause; resume it before pausing it again"},
      {"sessions.name", Code::kConflict,
       "another session already has that name; choose another name"},
      {"sessions.id", Code::kConflict, "a session with that id already exists"},
      {"log_entries.session_id, log_entries.seq", Code::kConflict,
       "a log entry with that sequence number already exists; try again"},
      {"teams.project_id, teams.root", Code::kConflict, "that team already exists at that root"},
      {"team_agents.project_id, team_agents.root, team_agents.agent", Code::kConflict,
       "that agent is already in the team"},
  };
  for (const auto& k : kKnown) {
    if (target == k.target) return Status(k.code, k.sentence);
  }
  if (raw.rfind("UNIQUE", 0) == 0) {
    return Status::Conflict("the write would duplicate an existing row (" + target + ")");
  }
  if (raw.rfind("NOT NULL", 0) == 0) {
    return Status::InvalidParams("a required value is missing (" + target + ")");
  }
  if (raw.rfind("FOREIGN KEY", 0) == 0) {
    return Status::Conflict("the write refers to a row that does not exist");
  }
  if (raw.rfind("CHECK", 0) == 0) {
    return Status::InvalidParams("a value is outside what the database schema allows");
  }
  return Status::Conflict(
      "the database refused the write (a constraint or trigger of its schema); rosterd's log "
      "has the details");
}

}  // namespace

// The engine's own text is logged for the operator and never returned: what
// a client sees is a sentence that says what happened and what to do.
Status FromDbError(const std::exception& e) {
  if (const auto* fe = dynamic_cast<const std::filesystem::filesystem_error*>(&e)) {
    return Status::Unavailable("cannot use " + fe->path1().string() + ": " + fe->code().message());
  }
  const auto* db = dynamic_cast<const DbError*>(&e);
  if (!db) {
    LogWarn(std::string("store: unexpected error: ") + e.what());
    return Status::Internal("internal error in the store; rosterd's log has the details");
  }
  LogWarn("store: database error " + std::to_string(db->code()) + ": " + e.what());
  switch (db->failure()) {
    case DbError::Failure::kBusy:
      return Status::Unavailable(
                 "another connection holds the database's write lock (a long write from a "
                 "sqlite3 shell?); try again")
          .With("cause", "busy");
    case DbError::Failure::kConstraint:
      return ConstraintStatus(e.what());
    case DbError::Failure::kFull:
      return Status::Unavailable("the disk is full; free some space and try again")
          .With("cause", "disk_full");
    case DbError::Failure::kCorrupt:
      return Status::Unavailable(
          "the database file is damaged; stop rosterd and restore a backup (roster-backup "
          "restore)");
    case DbError::Failure::kIo:
      return Status::Unavailable(
          "the database file could not be opened, read or written (permissions, a missing "
          "directory, a read-only file system or an I/O error)");
    case DbError::Failure::kNotLeader:
      return Status::Unavailable("the cluster has no leader right now; nothing was written");
    case DbError::Failure::kUnknownOutcome:
      return Status::Unavailable(
                 "the cluster's answer to the commit was lost: the write may or may not have "
                 "been applied; read it back, or retry it with the same request_key")
          .With("cause", std::string(kCauseUnknownOutcome));
    case DbError::Failure::kDisconnected:
      return Status::Unavailable(
          "the connection to the dqlite cluster was lost; nothing was written; retry");
    case DbError::Failure::kOther:
      break;
  }
  return Status::Internal("the database failed the operation (error " + std::to_string(db->code()) +
                          "); rosterd's log has the details");
}

std::string Database::QueryText(const std::string& sql) {
  auto q = Prepare(sql);
  return q->executeStep() ? q->getColumn(0).getString() : std::string();
}

int64_t Database::QueryInt(const std::string& sql) {
  auto q = Prepare(sql);
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

}  // namespace roster::store

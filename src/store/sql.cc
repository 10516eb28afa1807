// sql.cc — the engine-neutral parts of the SQL interface: error mapping at
// the store's boundary and one-value queries.
#include "store/sql.h"

namespace roster::store {

Status FromDbError(const std::exception& e) {
  const auto* db = dynamic_cast<const DbError*>(&e);
  if (!db) return Status::Internal(std::string("database error: ") + e.what());
  switch (db->failure()) {
    case DbError::Failure::kBusy:
      return Status::Unavailable(std::string("database is busy: ") + e.what());
    case DbError::Failure::kConstraint:
      return Status::Conflict(std::string("constraint failed: ") + e.what());
    case DbError::Failure::kFull:
      return Status::Unavailable("disk is full");
    default:
      return Status::Internal(std::string("database error: ") + e.what());
  }
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

// request_keys.cc — applying a keyed write once (Registry::ApplyOnce) and
// trimming the keys it remembers.
#include "store/registry_txn.h"
#include "store/validate.h"

namespace roster::store {

Result<std::string> Registry::ApplyOnce(const std::string& key, const std::string& fingerprint,
                                        const std::function<Result<std::string>()>& op) {
  ROSTER_RETURN_IF_ERROR(CheckText("request_key", key, kMaxRequestKeyBytes, false));
  return Write<std::string>([&]() -> Result<std::string> {
    auto& seen = Stmt("SELECT fingerprint, result FROM request_keys WHERE key = ?1");
    seen.bind(1, key);
    if (seen.executeStep()) {
      if (seen.getColumn(0).getString() != fingerprint) {
        return Status::Conflict("request_key '" + key +
                                "' was already used for a different request; use a new key "
                                "for each write (and the same one only to retry it)");
      }
      return seen.getColumn(1).getString();  // applied before: its answer, not a second write
    }
    seen.reset();
    Result<std::string> r = op();
    if (!r.ok()) return r;
    auto& record = Stmt(
        "INSERT INTO request_keys (key, fingerprint, result, applied_at) VALUES (?1, ?2, ?3, ?4)");
    record.bind(1, key);
    record.bind(2, fingerprint);
    record.bind(3, *r);
    record.bind(4, Now());
    record.exec();
    return r;
  });
}

Result<int64_t> Registry::TrimRequestKeys(int64_t retention_ms, int64_t max_rows, int64_t batch) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    // The oldest `batch` keys that are past the retention or beyond the
    // newest max_rows (found through the index, never a scan).
    // (Keys applied in the same millisecond as the newest one beyond may go
    // with it.)
    auto& q = Stmt(
        "DELETE FROM request_keys WHERE key IN (SELECT key FROM request_keys "
        "WHERE applied_at <= max(?1, coalesce((SELECT applied_at FROM request_keys "
        "ORDER BY applied_at DESC LIMIT 1 OFFSET ?2), -1)) ORDER BY applied_at LIMIT ?3)");
    q.bind(1, Now() - retention_ms - 1);
    q.bind(2, max_rows);
    q.bind(3, batch);
    return static_cast<int64_t>(q.exec());
  });
}

}  // namespace roster::store

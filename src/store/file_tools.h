// file_tools.h — operations on a Roster database file itself, used by
// roster-backup: online backup, restore, NDJSON export/import and
// verification. They work beside a running rosterd (WAL readers), except
// restore, which takes the daemon's lock so no daemon can use the file
// meanwhile.
//
// Export format (one JSON object per line):
//   {"roster_export":1,"schema_version":V,"rev":R,"tables":[...]}   header
//   {"table":"sessions","row":{"id":"…","name":"…",…}}              one per row
// With since_rev the rows are the change feed after that rev.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "util/status.h"

namespace roster::store {

// Called with (done, total) while a long operation runs, in the unit each
// operation names; total 0 means unknown. Calls are frequent and cheap to
// make (the callee decides when to draw); the last one has done == total
// when the total is known.
using Progress = std::function<void(int64_t done, int64_t total)>;

struct BackupResult {
  int64_t rev = 0;    // the feed rev the backup reflects
  int64_t pages = 0;  // pages copied
};

// Copies `db` to `out` with SQLite's online backup API from one read
// snapshot, into a temporary file renamed into place only after its
// integrity check passed. Progress in pages.
Result<BackupResult> Backup(const std::string& db, const std::string& out,
                            const Progress& progress);

// Replaces `db` with `backup` after verifying the backup. Refuses while a
// daemon holds the database; keeps the replaced file as DB.before-restore.
Result<BackupResult> Restore(const std::string& backup, const std::string& db);

struct ExportOptions {
  std::vector<std::string> tables;   // empty = every table
  std::optional<int64_t> since_rev;  // export the feed after this rev instead
};

// Writes the export of `db` (one consistent read transaction) to `out`;
// returns the number of rows. Progress in rows (counted first, in the same
// transaction, only when `progress` is given).
Result<int64_t> Export(const std::string& db, const ExportOptions& options, std::ostream& out,
                       const Progress& progress = {});

struct ImportReport {
  int64_t rows = 0;
  int64_t feed_rows_skipped = 0;       // changes/meta rows not applied (existing database)
  std::vector<std::string> conflicts;  // rows that already exist (nothing imported then)
};

// Loads an export into `db` (created if missing) in one transaction. A schema
// version mismatch is refused; rows that already exist are reported as
// conflicts and nothing is imported, unless `replace` overwrites them. Into a
// fresh database the change feed is restored as exported (revs continue);
// into an existing one the imported rows enter its own feed. Progress in
// bytes of `in` read, of `input_bytes` (0: unknown, e.g. a pipe).
Result<ImportReport> Import(std::istream& in, const std::string& db, bool replace,
                            const Progress& progress = {}, int64_t input_bytes = 0);

struct VerifyReport {
  bool healthy = true;
  std::vector<std::string> lines;  // "ok …" / "FAIL …"
};

// Integrity and foreign-key checks, schema version, continuity of the retained feed.
// Progress in pages read from the file by the two checks, of twice its page
// count (each check reads at most every page once; the foreign-key check
// usually far fewer, so the last call jumps to the end).
Result<VerifyReport> Verify(const std::string& db, const Progress& progress = {});

}  // namespace roster::store

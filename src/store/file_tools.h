// file_tools.h — operations on a Roster database file itself, used by
// roster-backup: online backup, restore, NDJSON export/import and
// verification. They work beside a running rosterd (WAL readers), except
// restore, which takes the daemon's lock so no daemon can use the file
// meanwhile.
//
// Export format (one JSON object per line):
//   {"roster_export":1,"schema_version":V,"rev":R,"feed_id":F,"tables":[...]}   header
//   {"table":"sessions","row":{"id":"…","name":"…",…}}              one per row
// With since_rev the rows are the change feed after that rev.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
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

struct RestoreResult {
  int64_t rev = 0;      // the backup's last rev
  int64_t pages = 0;    // pages copied
  std::string feed_id;  // the new feed incarnation
  int64_t horizon = 0;  // revs up to here are compacted; the next one is horizon + 1
  // Set when the replaced database could not be read (missing or damaged):
  // what that means for the revs.
  std::string warning;
  std::string kept;  // where the replaced file was kept ("" if there was none)
};

// A restore cannot know how far the history it replaces went when the
// replaced file is missing or unreadable; the new incarnation then starts this
// many revs past the backup's (see docs/architecture.md).
inline constexpr int64_t kUnknownHistoryRevMargin = 1'000'000'000'000;

// Replaces `db` with `backup` after verifying the backup. Refuses while a
// daemon holds the database; keeps the replaced file (with its -wal) as
// DB.before-restore. The restored feed starts a new incarnation: a new
// feed_id, and revs past every rev the replaced database (or, if it cannot be
// read, the backup plus kUnknownHistoryRevMargin) may have handed out, all of
// them compacted.
Result<RestoreResult> Restore(const std::string& backup, const std::string& db);

// The tables an export writes and an import reads, parents first: the feed's
// facts (meta), every entity's table (core/entities.h, in its order) and the
// feed itself (changes).
const std::vector<std::string>& ExportTables();

// The database's other tables, deliberately left out of an export (a test
// checks that every table is in exactly one of the two lists):
//   session_counts   derived: triggers keep it from sessions
//   entities         the schema's own list of entities, written by migrations
//   feed_deleting    transient: empty outside a DELETE statement
//   sqlite_sequence  SQLite's; an import sets the feed's position from the header
//   hosts            each rosterd's heartbeat, rewritten while it runs (the
//                    imported sessions keep their host; its next beat comes back)
//   request_keys     transient: the answers of keyed writes, kept for retries
//                    within request_key_retention_ms (an import starts without)
inline constexpr std::string_view kNotExported[] = {"session_counts",  "entities", "feed_deleting",
                                                    "sqlite_sequence", "hosts",    "request_keys"};

struct ExportOptions {
  std::vector<std::string> tables;   // empty = ExportTables()
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
  // Into an existing database: the new feed incarnation the import started
  // (its rows follow `horizon`); empty for a fresh one (its feed is the export's).
  std::string new_feed_id;
  int64_t horizon = 0;
};

// Loads an export into `db` (created if missing) in one transaction. A schema
// version mismatch is refused; rows that already exist are reported as
// conflicts and nothing is imported, unless `replace` overwrites them. Into a
// fresh database the change feed is restored as exported (its feed_id, and
// revs continue); into an existing one the import starts a new feed
// incarnation (history is rewritten under the database's watchers) and the
// imported rows enter its feed after it. Progress in bytes of `in` read, of
// `input_bytes` (0: unknown, e.g. a pipe).
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

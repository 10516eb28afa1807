// sql_guard.h — the SQL a dqlite 1.11 node must never be sent, because it
// kills the process the node runs in (found by running each against a
// 1.11.1 node; the node's asserts and frees fire in its VFS):
//
//   - any statement with a RETURNING clause (it writes and returns rows, in
//     EXEC or QUERY alike: SIGABRT);
//   - PRAGMA wal_checkpoint, in any form (SIGSEGV);
//   - PRAGMA journal_mode, synchronous, page_size, locking_mode,
//     wal_autocheckpoint, journal_size_limit or mmap_size given a value
//     (journal_mode=DELETE, synchronous=FULL and page_size=8192 abort; the
//     rest touch what dqlite's VFS owns). Reading them is fine.
//
// The check lexes the text (comments, string literals and quoted names are
// skipped), so "returning" in a string or a quoted column name passes.
#pragma once

#include <string>
#include <string_view>

namespace roster::store::dqlite {

// Why `sql` (one or more statements) must not be sent; "" when it may.
std::string UnsafeSql(std::string_view sql);

}  // namespace roster::store::dqlite

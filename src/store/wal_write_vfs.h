// wal_write_vfs.h — a SQLite VFS that writes each transaction's WAL frames to
// the file in a few large writes instead of two system calls per page.
//
// SQLite appends a WAL frame as two writes (24-byte header, then the page),
// so a commit of N pages costs 2N pwrite calls: 596,000 of them for the
// 200,000 appends of `roster-bench logs` (132,000 with this VFS). This VFS
// wraps the default one and, for WAL files only, gathers consecutive writes
// in a buffer that reaches the file:
//   * when the commit frame has been written (its header's "database size"
//     field is non-zero): inside that write call, so a failure is reported
//     to SQLite as the commit's own I/O error and the transaction fails;
//   * before any other operation on the WAL (read, sync, truncate, size,
//     lock, close, ...), so SQLite never observes the file without its own
//     writes;
//   * before any shared-memory call on the database the WAL belongs to, so
//     no other connection can see a wal-index entry for a frame not yet in
//     the file;
//   * when a write does not continue the buffered run, or the buffer is full.
// Frames that are not yet in the file belong to the open, uncommitted write
// transaction: a crash loses exactly what a crash before the commit would.
// Database-file writes (checkpoints) are passed straight through: SQLite
// ignores the result of the call that ends a partial checkpoint, so a
// deferred failure there could not be reported.
//
// Thread-safety: registration is thread-safe; a file object is used by one
// connection's thread at a time, as SQLite guarantees.
#pragma once

#include <cstdint>

namespace roster::store {

// The VFS's name for sqlite3_open_v2; registers it (once) on first call.
// The default VFS stays the default.
const char* WalWriteVfsName();

// Underlying write calls issued for WAL files since start (for tests).
uint64_t WalWriteVfsWrites();

}  // namespace roster::store

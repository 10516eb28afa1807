// wal_write_vfs.cc — the WAL write-gathering VFS (see wal_write_vfs.h).
#include "store/wal_write_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

namespace roster::store {
namespace {

constexpr size_t kBufferBytes = 1 << 20;  // gathered before a flush is forced
// The unix VFS writes at most 0x1ffff bytes per call (it masks the length),
// so a flush is issued in pieces of this size: 30 frames of 4 KiB each.
constexpr size_t kMaxWriteBytes = 124 * 1024;
constexpr int kFrameHeaderBytes = 24;
constexpr int64_t kWalHeaderBytes = 32;

std::atomic<uint64_t> g_wal_writes{0};
sqlite3_vfs g_vfs;

// One open file: the wrapped file lives right after this struct, in the
// memory SQLite allocates (szOsFile). Only WAL files gather writes.
struct File {
  sqlite3_file base{};  // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* real = nullptr;
  bool is_wal = false;
  File* wal = nullptr;  // database file: its connection's WAL, while open
  File* db = nullptr;   // WAL: the database file it belongs to
  std::unique_ptr<char[]> buf;
  size_t len = 0;                     // bytes gathered
  sqlite3_int64 off = 0;              // file offset of buf[0]
  sqlite3_int64 commit_page_at = -1;  // offset of the commit frame's page, once its header is in
  int deferred_rc = SQLITE_OK;        // a flush failure no caller could be told of yet

  // Writes what is gathered. The bytes are dropped even on failure: they
  // belong to the open write transaction, which the error makes fail.
  int Flush() {
    int rc = SQLITE_OK;
    for (size_t done = 0; done < len && rc == SQLITE_OK; done += kMaxWriteBytes) {
      const size_t n = std::min(kMaxWriteBytes, len - done);
      ++g_wal_writes;
      rc = real->pMethods->xWrite(real, buf.get() + done, static_cast<int>(n),
                                  off + static_cast<sqlite3_int64>(done));
    }
    len = 0;
    return rc;
  }
  int TakeDeferred() {
    const int rc = deferred_rc;
    deferred_rc = SQLITE_OK;
    return rc;
  }
  // Flush(), or the failure of an earlier flush that could not be reported.
  int Settle() {
    const int deferred = TakeDeferred();
    const int rc = Flush();
    return deferred != SQLITE_OK ? deferred : rc;
  }
  int Write(const void* data, int amt, sqlite3_int64 at);
};

constexpr size_t kFileBytes = (sizeof(File) + 7) & ~size_t{7};

File* F(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_vfs* Real() { return static_cast<sqlite3_vfs*>(g_vfs.pAppData); }

uint32_t BigEndian32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

int File::Write(const void* data, int amt, sqlite3_int64 at) {
  if (int rc = TakeDeferred(); rc != SQLITE_OK) return rc;
  const size_t n = static_cast<size_t>(amt);
  if (len > 0 && (at != off + static_cast<sqlite3_int64>(len) || len + n > kBufferBytes)) {
    if (int rc = Flush(); rc != SQLITE_OK) return rc;
  }
  if (n > kBufferBytes) {
    ++g_wal_writes;
    return real->pMethods->xWrite(real, data, amt, at);
  }
  if (!buf) buf = std::make_unique<char[]>(kBufferBytes);
  if (len == 0) off = at;
  std::memcpy(buf.get() + len, data, n);
  len += n;
  if (amt == kFrameHeaderBytes && at >= kWalHeaderBytes) {
    // Bytes 4..7 of a frame header: the database size after a commit, else 0.
    commit_page_at = BigEndian32(static_cast<const char*>(data) + 4) != 0 ? at + amt : -1;
  } else if (at == commit_page_at) {
    commit_page_at = -1;
    return Flush();  // the commit frame is complete: the transaction reaches the file now
  }
  return SQLITE_OK;
}

// Before a shared-memory call on a database file, its WAL's frames go out.
void SettleWalOf(File* c) {
  if (c->wal != nullptr && c->wal->len > 0) {
    const int rc = c->wal->Flush();
    if (rc != SQLITE_OK && c->wal->deferred_rc == SQLITE_OK) c->wal->deferred_rc = rc;
  }
}

// ---------------------------------------------------------------- io methods

int Close(sqlite3_file* f) {
  File* c = F(f);
  const int flushed = c->Settle();
  if (c->db != nullptr) c->db->wal = nullptr;
  if (c->wal != nullptr) c->wal->db = nullptr;
  const int rc = c->real->pMethods->xClose(c->real);
  c->~File();
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* data, int amt, sqlite3_int64 at) {
  if (int rc = F(f)->Settle(); rc != SQLITE_OK) return rc;
  return F(f)->real->pMethods->xRead(F(f)->real, data, amt, at);
}

int Write(sqlite3_file* f, const void* data, int amt, sqlite3_int64 at) {
  File* c = F(f);
  if (!c->is_wal) return c->real->pMethods->xWrite(c->real, data, amt, at);
  return c->Write(data, amt, at);
}

// The remaining methods settle gathered writes first, then delegate.
#define ROSTER_SETTLED(call)                                 \
  do {                                                       \
    if (int rc = F(f)->Settle(); rc != SQLITE_OK) return rc; \
    return F(f)->real->pMethods->call;                       \
  } while (0)

int Truncate(sqlite3_file* f, sqlite3_int64 size) { ROSTER_SETTLED(xTruncate(F(f)->real, size)); }
int Sync(sqlite3_file* f, int flags) { ROSTER_SETTLED(xSync(F(f)->real, flags)); }
int FileSize(sqlite3_file* f, sqlite3_int64* size) { ROSTER_SETTLED(xFileSize(F(f)->real, size)); }
int Lock(sqlite3_file* f, int level) { ROSTER_SETTLED(xLock(F(f)->real, level)); }
int Unlock(sqlite3_file* f, int level) { ROSTER_SETTLED(xUnlock(F(f)->real, level)); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  ROSTER_SETTLED(xCheckReservedLock(F(f)->real, out));
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  ROSTER_SETTLED(xFileControl(F(f)->real, op, arg));
}
int Fetch(sqlite3_file* f, sqlite3_int64 at, int amt, void** out) {
  ROSTER_SETTLED(xFetch(F(f)->real, at, amt, out));
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  ROSTER_SETTLED(xUnfetch(F(f)->real, at, p));
}
#undef ROSTER_SETTLED

int SectorSize(sqlite3_file* f) { return F(f)->real->pMethods->xSectorSize(F(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return F(f)->real->pMethods->xDeviceCharacteristics(F(f)->real);
}

int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  SettleWalOf(F(f));
  return F(f)->real->pMethods->xShmMap(F(f)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  SettleWalOf(F(f));
  return F(f)->real->pMethods->xShmLock(F(f)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  SettleWalOf(F(f));
  F(f)->real->pMethods->xShmBarrier(F(f)->real);
}
int ShmUnmap(sqlite3_file* f, int del) {
  SettleWalOf(F(f));
  return F(f)->real->pMethods->xShmUnmap(F(f)->real, del);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

// ---------------------------------------------------------------- vfs methods

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  File* c = new (f) File();
  c->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kFileBytes);
  const int rc = Real()->xOpen(Real(), name, c->real, flags, out_flags);
  if (rc != SQLITE_OK || c->real->pMethods == nullptr ||
      c->real->pMethods->iVersion < kMethods.iVersion) {
    if (c->real->pMethods != nullptr) c->real->pMethods->xClose(c->real);
    c->~File();
    f->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if ((flags & SQLITE_OPEN_WAL) != 0 && name != nullptr) {
    c->is_wal = true;
    File* db = F(sqlite3_database_file_object(name));
    if (db != nullptr && db->base.pMethods == &kMethods) {
      c->db = db;
      db->wal = c;
    }
  }
  c->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return Real()->xDelete(Real(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Real()->xAccess(Real(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Real()->xFullPathname(Real(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return Real()->xDlOpen(Real(), name); }
void DlError(sqlite3_vfs*, int n, char* out) { Real()->xDlError(Real(), n, out); }
void (*DlSym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return Real()->xDlSym(Real(), h, sym);
}
void DlClose(sqlite3_vfs*, void* h) { Real()->xDlClose(Real(), h); }
int Randomness(sqlite3_vfs*, int n, char* out) { return Real()->xRandomness(Real(), n, out); }
int Sleep(sqlite3_vfs*, int us) { return Real()->xSleep(Real(), us); }
int CurrentTime(sqlite3_vfs*, double* out) { return Real()->xCurrentTime(Real(), out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return Real()->xGetLastError(Real(), n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Real()->xCurrentTimeInt64(Real(), out);
}

void Register() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  g_vfs = sqlite3_vfs{};
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(kFileBytes) + real->szOsFile;
  g_vfs.mxPathname = real->mxPathname;
  g_vfs.zName = "roster-wal-gather";
  g_vfs.pAppData = real;
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_vfs.xAccess = Access;
  g_vfs.xFullPathname = FullPathname;
  g_vfs.xDlOpen = DlOpen;
  g_vfs.xDlError = DlError;
  g_vfs.xDlSym = DlSym;
  g_vfs.xDlClose = DlClose;
  g_vfs.xRandomness = Randomness;
  g_vfs.xSleep = Sleep;
  g_vfs.xCurrentTime = CurrentTime;
  g_vfs.xGetLastError = GetLastError;
  g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
}

}  // namespace

const char* WalWriteVfsName() {
  static std::once_flag once;
  std::call_once(once, Register);
  return g_vfs.zName;
}

uint64_t WalWriteVfsWrites() { return g_wal_writes.load(); }

}  // namespace roster::store

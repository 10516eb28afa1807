// protocol.h — the facts of dqlite 1.11's client wire protocol, each spelled
// once: message and value type codes, markers, the SQLite result codes the
// client tells apart, and limits. Read from dqlite v1.11.1 (src/protocol.h,
// request.h, response.h, tuple.h, gateway.c, lib/serialize.h) and checked
// against go-dqlite's internal/protocol.
//
// Framing: after an 8-byte handshake (the protocol version, 1), every message
// is an 8-byte header — words (u32: body length / 8), type (u8), schema (u8),
// extra (u16) — and a body of 8-byte words. Every integer is little-endian;
// text is NUL-terminated and zero-padded to a word boundary; a blob is a u64
// length and its bytes, padded. dqlite 1.11 knows schema 0 of every request
// (it ignores the schema byte and sends 0 in responses), so this client sends
// and expects 0.
//
// A node answers one request at a time and reads nothing while it answers,
// so several requests written together are answered in order (the client
// uses this only to prepend FINALIZEs).
#pragma once

#include <cstddef>
#include <cstdint>

namespace roster::store::dqlite {

inline constexpr uint64_t kProtocolVersion = 1;
inline constexpr size_t kWord = 8;
inline constexpr size_t kHeaderBytes = 8;

// Request types (dqlite src/protocol.h). Not sent: HEARTBEAT (2, unused by
// 1.11) and CONNECT (11, node to node); INTERRUPT (10), because a 1.11 node
// reads nothing while it streams a result, so it could only arrive after the
// last part; DESCRIBE (18) and WEIGHT (19), a tag nothing in 1.11 acts on.
enum class Request : uint8_t {
  kLeader = 0,
  kClient = 1,
  kOpen = 3,
  kPrepare = 4,
  kExec = 5,
  kQuery = 6,
  kFinalize = 7,
  kExecSql = 8,
  kQuerySql = 9,
  kAdd = 12,
  kAssign = 13,
  kRemove = 14,
  kDump = 15,
  kCluster = 16,
  kTransfer = 17,
};

// Response types.
enum class Response : uint8_t {
  kFailure = 0,  // u64 code, text message
  kServer = 1,   // u64 id, text address (LEADER)
  kWelcome = 2,  // u64 heartbeat timeout (CLIENT)
  kServers = 3,  // u64 n, n x (u64 id, text address, u64 role) (CLUSTER, format 1)
  kDb = 4,       // u32 db id, u32 padding (OPEN)
  kStmt = 5,     // u32 db id, u32 statement id, u64 parameter count (PREPARE)
  kResult = 6,   // u64 last insert id, u64 rows affected (EXEC, EXEC_SQL)
  kRows = 7,     // column count, names, rows, end marker (QUERY, QUERY_SQL)
  kEmpty = 8,    // u64 0
  kFiles = 9,    // u64 n, n x (text name, u64 size, bytes) (DUMP)
};

// Value type codes: 8 bits each in a parameter tuple's header, 4 bits each in
// a row's. UNIXTIME only ever comes back in rows (1.11 cannot bind it).
enum class Type : uint8_t {
  kInteger = 1,
  kFloat = 2,
  kText = 3,
  kBlob = 4,
  kNull = 5,
  kUnixTime = 9,  // an INTEGER in a DATETIME/DATE/TIMESTAMP column
  kIso8601 = 10,  // TEXT (or NULL, sent as "") in such a column
  kBoolean = 11,  // a BOOLEAN column (NULL is sent as false)
};

// The word after the last row of a ROWS message: more parts follow, or done.
inline constexpr uint64_t kRowsPart = 0xeeeeeeeeeeeeeeeeULL;
inline constexpr uint64_t kRowsDone = 0xffffffffffffffffULL;

// CLUSTER request format that includes each node's role.
inline constexpr uint64_t kClusterFormatV1 = 1;

// Node roles (ASSIGN, CLUSTER).
enum class Role : uint64_t { kVoter = 0, kStandby = 1, kSpare = 2 };

// A parameter tuple counts its values in one byte.
inline constexpr size_t kMaxParams = 255;

// Result codes a FAILURE carries that the client tells apart (SQLite's, and
// dqlite's extended I/O codes from src/leader.h).
namespace code {
inline constexpr uint64_t kOk = 0;  // 1.11 sends it for an empty statement
inline constexpr uint64_t kError = 1;
inline constexpr uint64_t kAbort = 4;  // a write aborted by the node shutting down
inline constexpr uint64_t kBusy = 5;
inline constexpr uint64_t kLocked = 6;
inline constexpr uint64_t kIoErr = 10;
inline constexpr uint64_t kNotFound = 12;  // no database / statement: leadership changed
inline constexpr uint64_t kTooBig = 18;
inline constexpr uint64_t kConstraint = 19;
inline constexpr uint64_t kMismatch = 20;
inline constexpr uint64_t kRange = 25;
inline constexpr uint64_t kIoErrNotLeader = kIoErr | (40 << 8);
inline constexpr uint64_t kIoErrLeadershipLost = kIoErr | (41 << 8);
inline constexpr uint64_t kDqliteProto = 1001;  // the node could not parse the request
inline constexpr uint64_t kDqliteParse = 1005;
}  // namespace code

}  // namespace roster::store::dqlite

// wire.h — encoding requests and decoding responses, word by word
// (protocol.h describes the framing). The Encoder appends whole messages to
// one buffer, so requests written together go out in one send. The Decoder
// reads a response body it does not own and checks every length against
// what is left: a truncated or malformed body makes a read return false,
// never a read past the end.
//
// Thread-safety: none; one per call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/dqlite/protocol.h"
#include "store/dqlite/value.h"

namespace roster::store::dqlite {

// Bytes `n` occupies once padded to a whole word.
constexpr size_t PadToWord(size_t n) { return (n + kWord - 1) / kWord * kWord; }

class Encoder {
 public:
  // Starts a message of `type`; End() finishes it.
  void Begin(Request type);
  void U64(uint64_t v);
  // Two u32 fields fill one word (EXEC, QUERY, FINALIZE: db id, statement id).
  void U32Pair(uint32_t a, uint32_t b);
  // REQUIRES: no NUL byte in `text` (see ContainsNul).
  void Text(std::string_view text);
  // The parameter tuple of EXEC/QUERY/EXEC_SQL/QUERY_SQL; nothing when empty.
  // REQUIRES: params.size() <= kMaxParams; no NUL in text values; no
  // UNIXTIME values (1.11 cannot bind them).
  void Params(std::span<const Value> params);
  // Fills in the header of the message Begin() started.
  void End();

  // The handshake that opens a connection (the protocol version).
  void Handshake();

  const std::string& bytes() const { return buf_; }
  void Clear() { buf_.clear(); }

 private:
  void Pad();
  std::string buf_;
  size_t start_ = 0;  // offset of the open message's header
};

inline bool ContainsNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Reads a body; every method returns false (and reads nothing more) when the
// body ends too soon or holds something impossible.
class Decoder {
 public:
  explicit Decoder(std::string_view body) : p_(body) {}
  bool U64(uint64_t* v);
  bool I64(int64_t* v);
  bool F64(double* v);
  bool U32Pair(uint32_t* a, uint32_t* b);
  // NUL-terminated text, padded to a word; the view excludes the NUL.
  bool Text(std::string_view* v);
  // u64 length, bytes, padding.
  bool Blob(std::string_view* v);
  // `n` raw bytes padded to a word (DUMP's file contents).
  bool Bytes(uint64_t n, std::string_view* v);
  // The next word without consuming it.
  bool Peek64(uint64_t* v) const;
  // Consumes `n` bytes.
  bool Skip(size_t n);
  size_t remaining() const { return p_.size(); }

 private:
  std::string_view p_;
};

}  // namespace roster::store::dqlite

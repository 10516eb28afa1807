// wire.cc — the Encoder and the bounds-checked Decoder.
#include "store/dqlite/wire.h"

#include <cassert>
#include <cstring>

namespace roster::store::dqlite {
namespace {

void PutLe(std::string& buf, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) buf.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(const char* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

void Encoder::Begin(Request type) {
  start_ = buf_.size();
  buf_.append(4, '\0');  // words, filled by End()
  buf_.push_back(static_cast<char>(type));
  buf_.push_back('\0');  // schema 0
  buf_.append(2, '\0');  // extra
}

void Encoder::End() {
  size_t body = buf_.size() - start_ - kHeaderBytes;
  assert(body % kWord == 0);
  uint64_t words = body / kWord;
  for (size_t i = 0; i < 4; ++i) buf_[start_ + i] = static_cast<char>((words >> (8 * i)) & 0xff);
}

void Encoder::Handshake() { PutLe(buf_, kProtocolVersion, 8); }

void Encoder::U64(uint64_t v) { PutLe(buf_, v, 8); }

void Encoder::U32Pair(uint32_t a, uint32_t b) {
  PutLe(buf_, a, 4);
  PutLe(buf_, b, 4);
}

void Encoder::Pad() { buf_.append(PadToWord(buf_.size()) - buf_.size(), '\0'); }

void Encoder::Text(std::string_view text) {
  assert(!ContainsNul(text));
  buf_.append(text);
  buf_.push_back('\0');
  Pad();
}

void Encoder::Params(std::span<const Value> params) {
  if (params.empty()) return;
  assert(params.size() <= kMaxParams);
  // Header: the count, one type byte per value, zeros to the word boundary.
  // Every field before the tuple is whole words, so Pad() aligns it.
  buf_.push_back(static_cast<char>(params.size()));
  for (const Value& v : params) {
    assert(v.type() != Type::kUnixTime);
    buf_.push_back(static_cast<char>(v.type()));
  }
  Pad();
  for (const Value& v : params) {
    switch (v.type()) {
      case Type::kInteger:
      case Type::kUnixTime:
        PutLe(buf_, static_cast<uint64_t>(v.raw_int()), 8);
        break;
      case Type::kBoolean:
        PutLe(buf_, v.raw_int() != 0 ? 1 : 0, 8);
        break;
      case Type::kFloat: {
        uint64_t bits;
        double d = v.raw_real();
        std::memcpy(&bits, &d, sizeof bits);
        PutLe(buf_, bits, 8);
        break;
      }
      case Type::kText:
      case Type::kIso8601:
        Text(v.raw_bytes());
        break;
      case Type::kBlob:
        PutLe(buf_, v.raw_bytes().size(), 8);
        buf_.append(v.raw_bytes());
        Pad();
        break;
      case Type::kNull:
        PutLe(buf_, 0, 8);
        break;
    }
  }
}

bool Decoder::U64(uint64_t* v) {
  if (p_.size() < 8) return false;
  *v = GetLe(p_.data(), 8);
  p_.remove_prefix(8);
  return true;
}

bool Decoder::I64(int64_t* v) {
  uint64_t u;
  if (!U64(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

bool Decoder::F64(double* v) {
  uint64_t u;
  if (!U64(&u)) return false;
  std::memcpy(v, &u, sizeof u);
  return true;
}

bool Decoder::U32Pair(uint32_t* a, uint32_t* b) {
  if (p_.size() < 8) return false;
  *a = static_cast<uint32_t>(GetLe(p_.data(), 4));
  *b = static_cast<uint32_t>(GetLe(p_.data() + 4, 4));
  p_.remove_prefix(8);
  return true;
}

bool Decoder::Text(std::string_view* v) {
  size_t nul = p_.find('\0');
  if (nul == std::string_view::npos) return false;
  size_t padded = PadToWord(nul + 1);
  if (padded > p_.size()) return false;
  *v = p_.substr(0, nul);
  p_.remove_prefix(padded);
  return true;
}

bool Decoder::Blob(std::string_view* v) {
  uint64_t n;
  if (p_.size() < 8) return false;
  n = GetLe(p_.data(), 8);
  if (n > p_.size() - 8 || PadToWord(n) > p_.size() - 8) return false;
  p_.remove_prefix(8);
  return Bytes(n, v);
}

bool Decoder::Bytes(uint64_t n, std::string_view* v) {
  if (n > p_.size() || PadToWord(n) > p_.size()) return false;
  *v = p_.substr(0, n);
  p_.remove_prefix(PadToWord(n));
  return true;
}

bool Decoder::Peek64(uint64_t* v) const {
  if (p_.size() < 8) return false;
  *v = GetLe(p_.data(), 8);
  return true;
}

bool Decoder::Skip(size_t n) {
  if (n > p_.size()) return false;
  p_.remove_prefix(n);
  return true;
}

}  // namespace roster::store::dqlite

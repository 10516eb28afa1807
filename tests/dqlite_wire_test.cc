// dqlite_wire_test.cc — the dqlite wire format without a node: request bytes
// as dqlite 1.11 decodes them, bounds-checked decoding of truncated and
// impossible bodies, ROWS parts, and value conversions checked against
// SQLite's own.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "dqlite_fixture.h"
#include "store/dqlite/rows.h"
#include "store/dqlite/sql_guard.h"
#include "store/dqlite/wire.h"

namespace roster::testing {
namespace {

using dq::Decoder;
using dq::Encoder;
using dq::Type;
using dq::Value;
using Bytes = std::vector<uint8_t>;

Bytes Of(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::vector<char> Body(const std::string& s) { return std::vector<char>(s.begin(), s.end()); }
const auto U64 = FakeNode::U64;
const auto Text = FakeNode::Text;

TEST(DqliteWire, HeaderCountsWordsAndNamesTheType) {
  Encoder e;
  e.Begin(dq::Request::kLeader);
  e.U64(0);
  e.End();
  EXPECT_EQ(Of(e.bytes()), (Bytes{1, 0, 0, 0, 0, 0, 0, 0, /*body*/ 0, 0, 0, 0, 0, 0, 0, 0}));
  e.Clear();
  e.Handshake();
  EXPECT_EQ(Of(e.bytes()), (Bytes{1, 0, 0, 0, 0, 0, 0, 0}));  // protocol version 1
}

TEST(DqliteWire, TextIsNulTerminatedAndPaddedToAWord) {
  for (size_t len = 0; len <= 17; ++len) {
    Encoder e;
    e.Text(std::string(len, 'x'));
    const std::string& b = e.bytes();
    EXPECT_EQ(b.size(), (len + 1 + 7) / 8 * 8) << len;
    EXPECT_EQ(b[len], '\0');
    Decoder d(b);
    std::string_view back;
    ASSERT_TRUE(d.Text(&back));
    EXPECT_EQ(back, std::string(len, 'x'));
    EXPECT_EQ(d.remaining(), 0u);
  }
}

TEST(DqliteWire, ParameterTupleHasACountTypeBytesAndPadding) {
  Encoder e;
  e.Params(std::vector<Value>{Value::Int(-2), Value::Text("ab"), Value::Null(), Value::Bool(true),
                              Value::Blob(std::string("\0\1\2", 3)), Value::Real(0.5),
                              Value::Iso8601("2026-01-01")});
  const Bytes b = Of(e.bytes());
  // 1 count + 7 types = one word exactly.
  ASSERT_GE(b.size(), 8u);
  EXPECT_EQ((Bytes(b.begin(), b.begin() + 8)), (Bytes{7, 1, 3, 5, 11, 4, 2, 10}));
  Decoder d(e.bytes());
  ASSERT_TRUE(d.Skip(8));
  int64_t i;
  std::string_view s, blob;
  uint64_t null, boolean;
  double r;
  ASSERT_TRUE(d.I64(&i) && d.Text(&s) && d.U64(&null) && d.U64(&boolean) && d.Blob(&blob) &&
              d.F64(&r) && d.Text(&s));
  EXPECT_EQ(i, -2);
  EXPECT_EQ(boolean, 1u);
  EXPECT_EQ(blob, std::string("\0\1\2", 3));
  EXPECT_EQ(r, 0.5);
  EXPECT_EQ(s, "2026-01-01");
  EXPECT_EQ(d.remaining(), 0u);

  // Eight values need a second header word: 1 + 8 bytes, padded to 16.
  Encoder eight;
  eight.Params(std::vector<Value>(8, Value::Int(1)));
  EXPECT_EQ(eight.bytes().size(), 16u + 8 * 8);
  EXPECT_EQ(eight.bytes()[0], 8);
  EXPECT_EQ(eight.bytes()[9], 0);  // padding
}

TEST(DqliteWire, DecoderRefusesToReadPastTheEnd) {
  std::string_view v;
  uint64_t u;
  EXPECT_FALSE(Decoder(std::string(7, '\0')).U64(&u));
  EXPECT_FALSE(Decoder("abc").Text(&v));                             // no NUL
  EXPECT_FALSE(Decoder(std::string("abc\0", 4)).Text(&v));           // padding cut off
  EXPECT_FALSE(Decoder(U64(9) + std::string(8, 'x')).Blob(&v));      // 9 bytes claimed, 8 there
  EXPECT_FALSE(Decoder(U64(~0ULL) + std::string(8, 'x')).Blob(&v));  // no overflow
  EXPECT_FALSE(Decoder(U64(~0ULL - 6) + std::string(8, 'x')).Blob(&v));
  EXPECT_FALSE(Decoder(std::string(8, 'x')).Bytes(~0ULL, &v));
  const std::string blob = U64(3) + "abc" + std::string(5, '\0');
  Decoder ok(blob);
  ASSERT_TRUE(ok.Blob(&v));
  EXPECT_EQ(v, "abc");
}

// A ROWS body: column count, names, rows, marker.
std::string RowsBody(const std::vector<std::string>& names, const std::string& rows,
                     uint64_t marker) {
  std::string b = U64(names.size());
  for (const auto& n : names) b += Text(n);
  return b + rows + U64(marker);
}

TEST(DqliteWire, RowsDecodeTypedValuesAcrossParts) {
  // Row: INTEGER (1) and TEXT (3) -> header byte 0x31.
  std::string row1 = std::string("\x31", 1) + std::string(7, '\0') + U64(42) + Text("x");
  std::string row2 = std::string("\x51", 1) + std::string(7, '\0') + U64(7) + U64(0);  // int, NULL
  dq::Rows rows;
  bool done = true;
  std::string why;
  ASSERT_TRUE(rows.AppendPart(Body(RowsBody({"a", "b"}, row1, dq::kRowsPart)), &done, &why)) << why;
  EXPECT_FALSE(done);
  ASSERT_TRUE(rows.AppendPart(Body(RowsBody({"a", "b"}, row2, dq::kRowsDone)), &done, &why)) << why;
  EXPECT_TRUE(done);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.parts(), 2u);
  EXPECT_EQ(rows[0][0], Value::Int(42));
  EXPECT_EQ(rows[0].GetText(1), "x");
  EXPECT_TRUE(rows[1].IsNull(1));
  EXPECT_TRUE(rows[1].IsNull(9));  // past the last column: NULL, as in SQLite
  dq::Rows moved = std::move(rows);
  EXPECT_EQ(moved[0].GetText(1), "x");  // values still point at live buffers
}

TEST(DqliteWire, RowsOfSeventeenColumnsHaveATwoWordHeader) {
  std::vector<std::string> names;
  std::string row(9, '\x11');  // 17 nibbles of INTEGER (the 18th is 1 too, ignored)
  row[8] = '\x01';
  row += std::string(7, '\0');
  for (int i = 0; i < 17; ++i) {
    names.push_back("c" + std::to_string(i));
    row += U64(static_cast<uint64_t>(i));
  }
  dq::Rows rows;
  bool done = false;
  std::string why;
  ASSERT_TRUE(rows.AppendPart(Body(RowsBody(names, row, dq::kRowsDone)), &done, &why)) << why;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].GetInt64(16), 16);
}

TEST(DqliteWire, MalformedRowsAreRefusedWithAReason) {
  const std::string row = std::string("\x01", 1) + std::string(7, '\0') + U64(1);
  struct Case {
    const char* name;
    std::string body;
  } cases[] = {
      {"no column count", "abc"},
      {"zero columns", U64(0) + U64(dq::kRowsDone)},
      {"huge column count", U64(1ULL << 40) + Text("a") + U64(dq::kRowsDone)},
      {"name without NUL", U64(1) + std::string(8, 'a')},
      {"no marker", RowsBody({"a"}, row, dq::kRowsDone).substr(0, 24)},
      {"bytes after the marker", RowsBody({"a"}, row, dq::kRowsDone) + U64(0)},
      {"unknown type",
       RowsBody({"a"}, std::string("\x07", 1) + std::string(7, '\0') + U64(1), dq::kRowsDone)},
      {"value cut off",
       U64(1) + Text("a") + std::string("\x03", 1) + std::string(7, '\0') + std::string(8, 'x')},
  };
  for (const auto& c : cases) {
    dq::Rows rows;
    bool done = false;
    std::string why;
    EXPECT_FALSE(rows.AppendPart(Body(c.body), &done, &why)) << c.name;
    EXPECT_FALSE(why.empty()) << c.name;
  }
  // A later part must name the same columns.
  dq::Rows rows;
  bool done = false;
  std::string why;
  ASSERT_TRUE(rows.AppendPart(Body(RowsBody({"a"}, row, dq::kRowsPart)), &done, &why));
  EXPECT_FALSE(rows.AppendPart(Body(RowsBody({"b"}, row, dq::kRowsDone)), &done, &why));
  EXPECT_NE(why.find("other columns"), std::string::npos);
}

TEST(DqliteWire, SqlThatWouldKillTheNodeIsRecognised) {
  for (const char* bad : {
           "INSERT INTO t VALUES (1) RETURNING v",
           "update t set v = 2 returning *",
           "CREATE TABLE a (x); DELETE FROM a RETURNING x",
           "PRAGMA wal_checkpoint",
           "pragma main.wal_checkpoint(TRUNCATE)",
           "PRAGMA journal_mode = DELETE",
           "PRAGMA synchronous=FULL",
           "/* c */ PRAGMA page_size = 8192",
           "SELECT 1; PRAGMA locking_mode(EXCLUSIVE)",
       }) {
    EXPECT_FALSE(dq::UnsafeSql(bad).empty()) << bad;
  }
  for (const char* fine : {
           "SELECT 'returning' AS \"returning\", [returning], `returning` FROM t",
           "SELECT 1 -- RETURNING v",
           "SELECT 1 /* PRAGMA wal_checkpoint */",
           "INSERT INTO t VALUES ('it''s; PRAGMA wal_checkpoint')",
           "PRAGMA journal_mode",
           "PRAGMA user_version = 5",
           "PRAGMA table_info(t)",
           "PRAGMA foreign_keys = ON",
           "SELECT returning_x FROM t",
       }) {
    EXPECT_EQ(dq::UnsafeSql(fine), "") << fine;
  }
}

// What SQLite itself reads from `v` as int64, double and text.
struct SqliteReading {
  int64_t i;
  double d;
  std::string s;
};
SqliteReading ReadWithSqlite(const Value& v) {
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT ?", -1, &st, nullptr);
  switch (v.type()) {
    case Type::kInteger:
      sqlite3_bind_int64(st, 1, v.raw_int());
      break;
    case Type::kFloat:
      sqlite3_bind_double(st, 1, v.raw_real());
      break;
    case Type::kText:
      sqlite3_bind_text(st, 1, v.raw_bytes().data(), static_cast<int>(v.raw_bytes().size()),
                        SQLITE_TRANSIENT);
      break;
    default:
      break;  // NULL
  }
  SqliteReading r;
  sqlite3_step(st);
  r.i = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  sqlite3_step(st);
  r.d = sqlite3_column_double(st, 0);
  sqlite3_reset(st);
  sqlite3_step(st);
  const unsigned char* t = sqlite3_column_text(st, 0);
  r.s = t ? reinterpret_cast<const char*>(t) : "";
  sqlite3_finalize(st);
  sqlite3_close(db);
  return r;
}

TEST(DqliteWire, ConversionsMatchSqlites) {
  const std::vector<Value> values = {Value::Int(0),
                                     Value::Int(-17),
                                     Value::Int(std::numeric_limits<int64_t>::min()),
                                     Value::Real(0.1),
                                     Value::Real(1.0),
                                     Value::Real(-2.5),
                                     Value::Real(1e20),
                                     Value::Real(1.5e-7),
                                     Value::Real(123456789.123),
                                     Value::Real(1e15),
                                     Value::Real(1e16),
                                     Value::Real(9.3e18),
                                     Value::Real(-9.3e18),
                                     Value::Real(std::numeric_limits<double>::infinity()),
                                     Value::Real(3.0e-320),
                                     Value::Text("12abc"),
                                     Value::Text("  -7"),
                                     Value::Text("1.5e3"),
                                     Value::Text("abc"),
                                     Value::Text(""),
                                     Value::Text("99999999999999999999"),
                                     Value::Text("-99999999999999999999"),
                                     Value::Text("0x10"),
                                     Value::Text("+.5e-1x"),
                                     Value::Text("1e"),
                                     Value::Text("\t42 "),
                                     Value::Text("."),
                                     Value::Text("1e999"),
                                     Value::Null()};
  for (const Value& v : values) {
    SqliteReading want = ReadWithSqlite(v);
    std::string label = v.AsString() + " (type " + std::to_string(static_cast<int>(v.type())) + ")";
    EXPECT_EQ(v.AsInt64(), want.i) << label;
    EXPECT_EQ(v.AsDouble(), want.d) << label;
    EXPECT_EQ(v.AsString(), want.s) << label;
  }
}

}  // namespace
}  // namespace roster::testing

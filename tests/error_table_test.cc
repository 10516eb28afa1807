// error_table_test.cc — util/error_table.h: every Code has one row, and the
// lookups built on the table agree with it.
#include "util/error_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace roster {
namespace {

// The error table is complete and one-to-one: each Code has its own reason,
// JSON-RPC code and row, and its reason leads back to it.
TEST(ErrorTable, EveryCodeHasItsOwnRowAndItsReasonLeadsBack) {
  std::set<std::string_view> reasons;
  std::set<int> rpc_codes;
  int i = 0;
  for (const CodeRow& row : AllCodes()) {
    EXPECT_EQ(static_cast<int>(row.code), i++);
    EXPECT_TRUE(reasons.insert(row.reason).second) << row.reason;
    if (row.code != Code::kOk) {  // never sent
      EXPECT_TRUE(rpc_codes.insert(row.rpc_code).second) << row.reason;
    }
    EXPECT_EQ(CodeFromReason(row.reason), row.code) << row.reason;
    EXPECT_EQ(&RowOf(row.code), &row);
    EXPECT_EQ(Status(row.code, "m").reason(), row.reason);
  }
  EXPECT_EQ(i, static_cast<int>(Code::kInternal) + 1);  // (while kInternal is the last)
  EXPECT_EQ(CodeFromReason("no_such_reason"), std::nullopt);
  EXPECT_EQ(RowOf(static_cast<Code>(999)).code, Code::kInternal);
}

}  // namespace
}  // namespace roster

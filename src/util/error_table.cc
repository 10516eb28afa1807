// error_table.cc — the table itself (see error_table.h).
#include "util/error_table.h"

#include <vector>

namespace roster {

namespace {

// THE table. No default: a Code without a row here does not compile.
// nullopt only for an integer that is no Code (how AllCodes finds the end).
constexpr std::optional<CodeRow> Row(Code code) {
  switch (code) {
    case Code::kOk:
      return CodeRow{code, "ok", kRpcInternalError, kExitOk};  // never sent: an error fails
    case Code::kNotFound:
      return CodeRow{code, "not_found", -32001, kExitNotFound};
    case Code::kConflict:
      return CodeRow{code, "conflict", -32002, kExitRefused};
    case Code::kInvalidState:
      return CodeRow{code, "invalid_state", -32003, kExitRefused};
    case Code::kInvalidParams:
      return CodeRow{code, "invalid_params", kRpcInvalidParams, kExitUsage};
    case Code::kLimitExceeded:
      return CodeRow{code, "limit_exceeded", -32004, kExitOther};
    case Code::kCompacted:
      return CodeRow{code, "compacted", -32005, kExitOther};
    case Code::kUnavailable:
      return CodeRow{code, "unavailable", -32006, kExitUnreachable};
    case Code::kPermissionDenied:
      return CodeRow{code, "permission_denied", -32007, kExitOther};
    case Code::kInternal:
      return CodeRow{code, "internal", kRpcInternalError, kExitOther};
  }
  return std::nullopt;
}

// The codes are the enum's values 0, 1, 2, ... (status.h gives none a value
// of its own), so they run from kOk to the first integer the switch does not
// know.
static_assert(static_cast<int>(Code::kOk) == 0);

const std::vector<CodeRow>& Rows() {
  static const std::vector<CodeRow> kRows = [] {
    std::vector<CodeRow> rows;
    for (int i = 0; auto row = Row(static_cast<Code>(i)); ++i) rows.push_back(*row);
    return rows;
  }();
  return kRows;
}

}  // namespace

const CodeRow& RowOf(Code code) {
  const auto& rows = Rows();
  const auto i = static_cast<size_t>(code);
  return i < rows.size() ? rows[i] : rows[static_cast<size_t>(Code::kInternal)];
}

std::span<const CodeRow> AllCodes() { return Rows(); }

std::optional<Code> CodeFromReason(std::string_view reason) {
  for (const CodeRow& row : Rows()) {
    if (row.reason == reason) return row.code;
  }
  return std::nullopt;
}

}  // namespace roster

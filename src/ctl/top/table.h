// table.h — top's table, pure: its columns, what a row shows in them, and how
// they fit a terminal's width. Columns first narrow to their minimum, then the
// least important ones drop, so a line never wraps; long values are cut with
// an ellipsis (paths keep their end). Unit-tested in tests/top_test.cc; drawn
// by screen.cc.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/top/model.h"

namespace roster::ctl::top {

struct Column {
  const char* header;
  int min;         // narrowest width shown (less if no value needs it); below it the column drops
  int max;         // widest it grows to fit its values
  int priority;    // 0 is kept longest
  bool clip_left;  // a long value keeps its end (paths)
};

// The columns in display order: STATUS NAME ACTIVITY LAST SEEN EXPIRES BRANCH
// ROOT AGE NOTE.
const std::vector<Column>& Columns();
inline constexpr int kGap = 2;  // spaces between two shown columns

// The cells of one row, one per column, times relative to now_ms; every cell
// is printable (see Printable).
std::vector<std::string> Cells(const Row& row, int64_t now_ms);
// The ACTIVITY cell: "working", "needs input", "needs permission" or "-".
std::string ActivityLabel(std::string_view activity);

// The columns of a session's log (SEQ WHEN KIND BODY) and one entry's cells
// (a log.read entry; a string body as itself, any other as compact JSON).
const std::vector<Column>& LogColumns();
std::vector<std::string> LogCells(const boost::json::value& entry, int64_t now_ms);

// Each column's width for a line of `width` cells (0: dropped). The most
// important columns that fit at their least width are shown (a column shows
// only if every more important one does, so columns come and go in one
// order as the terminal widens); the room left widens them towards what
// their values need, the most important first. The shown widths plus kGap
// between them never exceed `width`.
std::vector<int> Fit(const std::vector<Column>& columns,
                     const std::vector<std::vector<std::string>>& rows, int width);

// A piece of a laid-out line: the text of column `column` starting at cell x.
struct Span {
  int x;
  int column;
  std::string text;
};
// The shown cells of one line at their positions, each cut to its width.
std::vector<Span> LayOut(const std::vector<std::string>& cells, const std::vector<Column>& columns,
                         const std::vector<int>& widths, std::string_view ellipsis);

// UTF-8 text with control characters turned into spaces and invalid bytes
// into '?', so that it can be measured and drawn.
std::string Printable(std::string_view s);
// Terminal cells taken by printable UTF-8 text (wcwidth; 1 where it does not
// know, as in the C locale).
int DisplayWidth(std::string_view s);
// `s` cut to at most `width` cells; a cut is marked by `ellipsis` (one cell),
// at the start when clip_left.
std::string Clip(std::string_view s, int width, bool clip_left, std::string_view ellipsis);

}  // namespace roster::ctl::top

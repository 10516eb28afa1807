// table.cc — top's columns, cells, width fitting and cutting.
#include "ctl/top/table.h"

#include <wchar.h>

#include <algorithm>
#include <numeric>

#include "ctl/format.h"

namespace roster::ctl::top {

namespace {

// One UTF-8 sequence at s[i]: its code point and length, or length 0 when
// the bytes there are not valid UTF-8.
struct Decoded {
  char32_t cp;
  size_t len;
};
Decoded Decode(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {b, 1};
  const size_t len = b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return {0, 0};
  char32_t cp = b & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return {0, 0};
  return {cp, len};
}

int CellsOf(char32_t cp) {
  const int w = ::wcwidth(static_cast<wchar_t>(cp));
  return w < 0 ? 1 : w;
}

std::string Or(std::string_view s, const char* fallback) {
  return s.empty() ? std::string(fallback) : std::string(s);
}

}  // namespace

const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      {"STATUS", 7, 7, 1, false},    {"NAME", 12, 32, 0, false},  {"ACTIVITY", 11, 16, 2, false},
      {"LAST SEEN", 9, 9, 3, false}, {"EXPIRES", 7, 7, 4, false}, {"BRANCH", 8, 24, 5, false},
      {"ROOT", 10, 48, 7, true},     {"AGE", 7, 7, 8, false},     {"NOTE", 8, 200, 6, false},
  };
  return kColumns;
}

std::string ActivityLabel(std::string_view activity) {
  if (activity == "working") return "working";
  if (activity == "waiting_input") return "needs input";
  if (activity == "waiting_permission") return "needs permission";
  return activity.empty() ? "-" : std::string(activity);
}

std::vector<std::string> Cells(const Row& row, int64_t now_ms) {
  const std::string_view status = row.status();
  const bool live = status == "active" || status == "idle";
  std::string note = "-";
  if (row.pause) {
    note = row.pause->note.empty() ? row.pause->summary : row.pause->note;
  } else if (!row.Str("status_reason").empty()) {
    note = row.Str("status_reason");
  }
  const auto* expires = row.session().if_contains("expires_at");
  std::vector<std::string> cells = {
      Or(status, "-"),
      Or(row.name(), "-"),
      ActivityLabel(row.activity()),
      Relative(row.Int("last_seen"), now_ms),
      // "(pid)": a live process decides the session's life (expires_at null), as in `ls`
      !live                            ? "-"
      : expires && expires->is_int64() ? Relative(expires->as_int64(), now_ms)
                                       : "(pid)",
      Or(row.Str("branch"), "-"),
      Or(row.Str("root"), "-"),
      Relative(row.Int("created_at"), now_ms),
      note.empty() ? "-" : note,
  };
  for (auto& c : cells) c = Printable(c);
  return cells;
}

const std::vector<Column>& LogColumns() {
  static const std::vector<Column> kColumns = {
      {"SEQ", 3, 10, 0, false},
      {"WHEN", 7, 7, 2, false},
      {"KIND", 6, 20, 1, false},
      {"BODY", 10, 100000, 3, false},
  };
  return kColumns;
}

std::vector<std::string> LogCells(const boost::json::value& entry, int64_t now_ms) {
  auto member = [&](const char* key) -> const boost::json::value& {
    static const boost::json::value kNull;
    const auto* o = entry.if_object();
    const auto* v = o ? o->if_contains(key) : nullptr;
    return v ? *v : kNull;
  };
  const auto& ts = member("ts");
  std::vector<std::string> cells = {Text(member("seq")),
                                    ts.is_int64() ? Relative(ts.as_int64(), now_ms) : "-",
                                    Text(member("kind")), Text(member("body"))};
  for (auto& c : cells) c = Printable(c);
  return cells;
}

std::vector<int> Fit(const std::vector<Column>& columns,
                     const std::vector<std::vector<std::string>>& rows, int width) {
  const size_t n = columns.size();
  // natural: what the header and the values need (up to max); a column whose
  // values are all short needs less than its min.
  std::vector<int> natural(n), least(n), widths(n, 0), order(n);
  for (size_t i = 0; i < n; ++i) {
    int w = DisplayWidth(columns[i].header);
    for (const auto& r : rows)
      if (i < r.size()) w = std::max(w, DisplayWidth(r[i]));
    natural[i] = std::min(w, columns[i].max);
    least[i] = std::min(columns[i].min, natural[i]);
  }
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return columns[a].priority < columns[b].priority; });
  int used = 0, shown = 0;
  for (int i : order) {  // the most important columns, at their least, while they fit
    const int need = least[i] + (shown > 0 ? kGap : 0);
    if (used + need > width) break;
    widths[i] = least[i];
    used += need;
    ++shown;
  }
  int spare = width - used;
  for (int i : order) {  // the room left widens them, most important first
    if (widths[i] == 0) continue;
    const int add = std::min(spare, natural[i] - widths[i]);
    widths[i] += add;
    spare -= add;
  }
  return widths;
}

std::vector<Span> LayOut(const std::vector<std::string>& cells, const std::vector<Column>& columns,
                         const std::vector<int>& widths, std::string_view ellipsis) {
  std::vector<Span> out;
  int x = 0;
  for (size_t i = 0; i < columns.size() && i < cells.size() && i < widths.size(); ++i) {
    if (widths[i] == 0) continue;
    if (!out.empty()) x += kGap;
    out.push_back(
        {x, static_cast<int>(i), Clip(cells[i], widths[i], columns[i].clip_left, ellipsis)});
    x += widths[i];
  }
  return out;
}

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    Decoded d = Decode(s, i);
    if (d.len == 0) {
      out += '?';
      ++i;
      continue;
    }
    const bool control = d.cp < 0x20 || d.cp == 0x7F || (d.cp >= 0x80 && d.cp < 0xA0);
    if (control) {
      out += ' ';
    } else {
      out.append(s.substr(i, d.len));
    }
    i += d.len;
  }
  return out;
}

int DisplayWidth(std::string_view s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    Decoded d = Decode(s, i);
    w += d.len ? CellsOf(d.cp) : 1;
    i += d.len ? d.len : 1;
  }
  return w;
}

std::string Clip(std::string_view s, int width, bool clip_left, std::string_view ellipsis) {
  if (width <= 0) return "";
  if (DisplayWidth(s) <= width) return std::string(s);
  if (width == 1) return std::string(ellipsis);
  // Code point boundaries with their widths, to cut between whole characters.
  std::vector<std::pair<size_t, int>> chars;  // (byte offset, cells)
  for (size_t i = 0; i < s.size();) {
    Decoded d = Decode(s, i);
    chars.emplace_back(i, d.len ? CellsOf(d.cp) : 1);
    i += d.len ? d.len : 1;
  }
  const int room = width - 1;  // one cell for the ellipsis
  int w = 0;
  if (!clip_left) {
    size_t end = 0;
    for (size_t k = 0; k < chars.size() && w + chars[k].second <= room; ++k) {
      w += chars[k].second;
      end = k + 1 < chars.size() ? chars[k + 1].first : s.size();
    }
    return std::string(s.substr(0, end)) + std::string(ellipsis);
  }
  size_t begin = s.size();
  for (size_t k = chars.size(); k-- > 0 && w + chars[k].second <= room;) {
    w += chars[k].second;
    begin = chars[k].first;
  }
  return std::string(ellipsis) + std::string(s.substr(begin));
}

}  // namespace roster::ctl::top

// screen.cc — drawing top's frames with ncurses.
#include "ctl/top/screen.h"

#include <langinfo.h>
#include <ncurses.h>

#include <clocale>
#include <cstdlib>
#include <cstring>

#include "ctl/top/table.h"

namespace roster::ctl::top {

namespace {

enum Pair : short { kGreen = 1, kCyan, kYellow, kRed, kMagenta };

constexpr int kGutter = 2;  // "> " marks the selected row

short StatusPair(std::string_view status) {
  if (status == "active") return kGreen;
  if (status == "idle") return kCyan;
  if (status == "paused") return kYellow;
  if (status == "stale") return kRed;
  return 0;
}

void Put(int y, int x, const std::string& text, attr_t attr = A_NORMAL, short pair = 0) {
  attr_set(attr, pair, nullptr);
  mvaddstr(y, x, text.c_str());
  attr_set(A_NORMAL, 0, nullptr);
}

}  // namespace

Result<std::unique_ptr<Screen>> Screen::Open() {
  std::setlocale(LC_ALL, "");  // UTF-8 names and notes draw as themselves
  if (newterm(nullptr, stdout, stdin) == nullptr) {
    const char* term = std::getenv("TERM");
    return Status::InvalidParams(std::string("cannot drive this terminal (TERM=") +
                                 (term ? term : "unset") + ")");
  }
  std::unique_ptr<Screen> s(new Screen());
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0) s->ellipsis_ = "\xE2\x80\xA6";
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  set_escdelay(25);  // Esc closes a prompt at once
  curs_set(0);
  if (has_colors() && !std::getenv("NO_COLOR")) {
    start_color();
    use_default_colors();
    init_pair(kGreen, COLOR_GREEN, -1);
    init_pair(kCyan, COLOR_CYAN, -1);
    init_pair(kYellow, COLOR_YELLOW, -1);
    init_pair(kRed, COLOR_RED, -1);
    init_pair(kMagenta, COLOR_MAGENTA, -1);
    s->color_ = true;
  }
  return s;
}

Screen::~Screen() {
  endwin();
  delscreen(set_term(nullptr));
}

int Screen::ReadKey() { return getch(); }

int Screen::TableHeight() const { return std::max(1, LINES - 3); }

void Screen::Draw(const Frame& f) {
  erase();
  const int width = COLS;
  const int state_w = std::min(DisplayWidth(f.state), width);
  std::string title = Clip(f.title, std::max(0, width - state_w - 1), false, ellipsis_);
  Put(0, 0, title, A_BOLD);
  Put(0, width - state_w, Clip(f.state, state_w, false, ellipsis_),
      f.state_alarm ? A_BOLD : A_NORMAL, f.state_alarm && color_ ? kRed : 0);
  if (f.log) {
    DrawLog(*f.log);
  } else {
    DrawTable(f);
  }
  DrawBottom(f);
  refresh();
}

void Screen::DrawTable(const Frame& f) {
  const auto& columns = Columns();
  const int height = TableHeight();
  const int n = f.rows ? static_cast<int>(f.rows->size()) : 0;
  const int first = std::clamp(f.cursor.top, 0, std::max(0, n - 1));
  const int last = std::min(n, first + height);
  std::vector<std::vector<std::string>> cells;
  for (int i = first; i < last; ++i)
    cells.push_back(Cells((*f.rows)[static_cast<size_t>(i)], f.now_ms));
  const std::vector<int> widths = Fit(columns, cells, COLS - kGutter);
  std::vector<std::string> headers;
  for (const auto& c : columns) headers.emplace_back(c.header);
  for (const Span& s : LayOut(headers, columns, widths, ellipsis_))
    Put(1, kGutter + s.x, s.text, A_BOLD);
  if (n == 0) Put(2, kGutter, Clip(f.empty_text, COLS - kGutter, false, ellipsis_), A_DIM);
  for (int i = first; i < last; ++i) {
    const int y = 2 + i - first;
    const Row& row = (*f.rows)[static_cast<size_t>(i)];
    const bool selected = i == f.cursor.selected;
    const attr_t base = selected ? A_REVERSE : A_NORMAL;
    if (selected) {
      attr_set(A_REVERSE, 0, nullptr);
      mvhline(y, 0, ' ', COLS);
      Put(y, 0, ">", A_REVERSE);
    }
    for (const Span& s :
         LayOut(cells[static_cast<size_t>(i - first)], columns, widths, ellipsis_)) {
      attr_t attr = base;
      short pair = 0;
      if (color_ && s.column == 0) pair = StatusPair(row.status());
      if (s.column == 2 && NeedsUser(row)) {
        attr |= A_BOLD;
        pair = color_ ? kMagenta : 0;
      }
      Put(y, kGutter + s.x, s.text, attr, pair);
    }
  }
}

void Screen::DrawLog(const Frame::Log& log) {
  const auto& columns = LogColumns();
  Put(1, 0, Clip(log.title, COLS, false, ellipsis_), A_BOLD);
  const int room = TableHeight() - 1;
  const size_t from = log.lines.size() > static_cast<size_t>(room) ? log.lines.size() - room : 0;
  std::vector<std::vector<std::string>> shown(log.lines.begin() + static_cast<long>(from),
                                              log.lines.end());
  const std::vector<int> widths = Fit(columns, shown, COLS - kGutter);
  std::vector<std::string> headers;
  for (const auto& c : columns) headers.emplace_back(c.header);
  for (const Span& s : LayOut(headers, columns, widths, ellipsis_))
    Put(2, kGutter + s.x, s.text, A_BOLD);
  int y = 3;
  for (const auto& line : shown) {
    for (const Span& s : LayOut(line, columns, widths, ellipsis_)) Put(y, kGutter + s.x, s.text);
    ++y;
  }
}

void Screen::DrawBottom(const Frame& f) {
  const int y = LINES - 1;
  if (f.prompt) {
    const std::string text = Clip(*f.prompt, COLS - 1, true, ellipsis_);
    Put(y, 0, text, A_BOLD);
    move(y, DisplayWidth(text));
    curs_set(1);
    return;
  }
  curs_set(0);
  if (!f.message.empty()) {
    Put(y, 0, Clip(f.message, COLS, false, ellipsis_), f.message_error ? A_BOLD : A_NORMAL,
        f.message_error && color_ ? kRed : 0);
  } else {
    Put(y, 0, Clip(f.hints, COLS, false, ellipsis_), A_DIM);
  }
}

}  // namespace roster::ctl::top

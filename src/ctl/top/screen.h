// screen.h — top's terminal, through ncurses: the alternate screen, keys
// (arrows, resize as KEY_RESIZE) and drawing one frame. The layout: a title
// line with the connection state at its right, the column headers, the rows
// (or a session's log), and one line at the bottom for messages, prompts and
// key hints. Every line is cut to the terminal's width (table.h fits the
// columns), so nothing wraps and the header never scrolls away.
//
// One Screen per process (ncurses is global); not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ctl/top/model.h"
#include "util/status.h"

namespace roster::ctl::top {

// What one frame shows; built by the console.
struct Frame {
  std::string title;  // left of the first line
  std::string state;  // right of the first line ("live", "reconnecting…")
  bool state_alarm = false;
  const std::vector<Row>* rows = nullptr;  // the table (all matching rows, in order)
  Cursor cursor;
  std::string empty_text;  // shown when there are no rows
  int64_t now_ms = 0;
  // A session's log instead of the table: its title and its lines' cells
  // (SEQ, WHEN, KIND, BODY), oldest first.
  struct Log {
    std::string title;
    std::vector<std::vector<std::string>> lines;
  };
  std::optional<Log> log;
  // The bottom line: a prompt with its input (the cursor after it), else a
  // message (an error in red), else `hints`.
  std::optional<std::string> prompt;
  std::string message;
  bool message_error = false;
  std::string hints;
};

class Screen {
 public:
  // Takes over the terminal (stdin/stdout must be one): alternate screen,
  // no echo, keys one at a time, colours unless NO_COLOR is set.
  static Result<std::unique_ptr<Screen>> Open();
  ~Screen();  // gives the terminal back as it was
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // The next key (ncurses code, KEY_RESIZE after a resize), or -1 if none
  // is waiting.
  int ReadKey();
  // Rows of the table that fit (the lines between the headers and the
  // bottom line); at least 1.
  int TableHeight() const;
  void Draw(const Frame& frame);

 private:
  Screen() = default;
  void DrawTable(const Frame& f);
  void DrawLog(const Frame::Log& log);
  void DrawBottom(const Frame& f);

  std::string ellipsis_ = "~";  // "…" when the terminal speaks UTF-8
  bool color_ = false;
};

}  // namespace roster::ctl::top

// console.cc — top's keys, actions, refreshes and frames.
#include "ctl/top/console.h"

#include <ncurses.h>

#include <algorithm>

#include "ctl/format.h"
#include "ctl/top/table.h"

namespace roster::ctl::top {

namespace json = boost::json;

namespace {
constexpr int64_t kRefreshMs = 1000;  // the rows on screen and an open log
constexpr int64_t kMessageMs = 6000;  // how long a message stays on the bottom line
constexpr int kEsc = 27, kCtrlU = 21;

bool IsEnter(int key) { return key == '\n' || key == '\r' || key == KEY_ENTER; }
}  // namespace

Console::Console(Link& link, Model& model, Screen& screen)
    : link_(link), model_(model), screen_(screen) {}

std::vector<Row> Console::CurrentRows(Cursor* cursor) const {
  std::vector<Row> rows = model_.Rows(query_);
  *cursor = PlaceCursor(rows, selected_id_, selected_index_, top_, screen_.TableHeight());
  return rows;
}

std::optional<Console::Selected> Console::Selection() const {
  Cursor c;
  std::vector<Row> rows = CurrentRows(&c);
  if (c.selected < 0) return std::nullopt;
  const Row& r = rows[static_cast<size_t>(c.selected)];
  return Selected{std::string(r.id()), std::string(r.name())};
}

bool Console::OnKey(int key, int64_t now_ms) {
  now_ms_ = now_ms;
  dirty_ = true;
  if (key == KEY_RESIZE) return true;  // the next frame is drawn at the new size
  switch (mode_) {
    case Mode::kNote:
    case Mode::kFilter:
      OnPromptKey(key);
      return true;
    case Mode::kLog:
      if (key == kEsc || key == 'q' || IsEnter(key) || key == KEY_LEFT || key == 'h') {
        mode_ = Mode::kTable;
        log_.reset();
        next_refresh_ms_ = 0;
      }
      return true;
    case Mode::kTable:
      break;
  }
  return OnTableKey(key, now_ms);
}

bool Console::OnTableKey(int key, int64_t now_ms) {
  const int page = screen_.TableHeight();
  constexpr int kFar = 1 << 30;
  std::optional<Selected> s;
  switch (key) {
    case 'q':
    case 'Q':
      return false;
    case KEY_UP:
    case 'k':
      Move(-1);
      break;
    case KEY_DOWN:
    case 'j':
      Move(1);
      break;
    case KEY_PPAGE:
      Move(-page);
      break;
    case KEY_NPAGE:
      Move(page);
      break;
    case KEY_HOME:
    case 'g':
      Move(-kFar);
      break;
    case KEY_END:
    case 'G':
      Move(kFar);
      break;
    case 'p':
    case 'r':
    case '\n':
    case '\r':
    case KEY_ENTER:
      if (!(s = Selection())) {
        Say("no session selected", true);
      } else if (key == 'p') {
        prompt_for_ = *s;
        input_.clear();
        mode_ = Mode::kNote;
      } else if (key == 'r') {
        Resume(*s);
      } else {
        log_for_ = *s;
        log_ = Frame::Log{"log of " + s->name + ": loading", {}};
        mode_ = Mode::kLog;
        next_log_ms_ = now_ms;
        LoadLog();
      }
      break;
    case '/':
      saved_filter_ = query_.filter;
      input_ = query_.filter;
      mode_ = Mode::kFilter;
      break;
    case 'n':
      query_.needs_me_only = !query_.needs_me_only;
      Say(query_.needs_me_only ? "showing only the sessions that need you"
                               : "showing all sessions");
      next_refresh_ms_ = 0;
      break;
    case 's':
      query_.sort = NextSort(query_.sort);
      Say(std::string("sorted by ") + SortName(query_.sort));
      next_refresh_ms_ = 0;
      break;
    case kEsc:
      query_.filter.clear();
      query_.needs_me_only = false;
      Say("showing all sessions");
      next_refresh_ms_ = 0;
      break;
    default:
      break;
  }
  return true;
}

void Console::OnPromptKey(int key) {
  if (key == kEsc) {
    if (mode_ == Mode::kFilter) query_.filter = saved_filter_;
    mode_ = Mode::kTable;
    return;
  }
  if (IsEnter(key)) return Submit();
  if (key == KEY_BACKSPACE || key == 127 || key == 8) {
    while (!input_.empty() && (static_cast<unsigned char>(input_.back()) & 0xC0) == 0x80)
      input_.pop_back();  // a whole UTF-8 character
    if (!input_.empty()) input_.pop_back();
  } else if (key == kCtrlU) {
    input_.clear();
  } else if (key >= 32 && key < 256 && key != 127) {
    input_ += static_cast<char>(key);  // UTF-8 arrives a byte at a time
  } else {
    return;
  }
  if (mode_ == Mode::kFilter) {
    query_.filter = input_;
    next_refresh_ms_ = 0;
  }
}

void Console::Move(int delta) {
  Cursor c;
  std::vector<Row> rows = CurrentRows(&c);
  if (c.selected < 0) return;
  const int64_t n = static_cast<int64_t>(rows.size());
  selected_index_ = static_cast<int>(std::clamp<int64_t>(int64_t{c.selected} + delta, 0, n - 1));
  selected_id_ = rows[static_cast<size_t>(selected_index_)].id();
  top_ = c.top;
  next_refresh_ms_ = 0;  // other rows are on screen now
}

void Console::Submit() {
  const Mode was = mode_;
  mode_ = Mode::kTable;
  if (was == Mode::kFilter) {
    Say(query_.filter.empty() ? "filter cleared" : "filter: " + query_.filter);
    return;
  }
  Pause(prompt_for_, input_);
}

void Console::Pause(const Selected& s, const std::string& note) {
  json::object params{{"session", s.id}};
  if (!note.empty()) params["note"] = note;
  Say("pausing " + s.name + "...");
  link_.Call({{"session.pause", std::move(params)}}, [this, s](Link::Results r) {
    if (r[0].ok()) return Say("paused " + s.name);
    Say("pause " + s.name + ": " + r[0].status().message(), true);
  });
}

void Console::Resume(const Selected& s) {
  Say("resuming " + s.name + "...");
  link_.Call({{"session.resume", {{"session", s.id}}}}, [this, s](Link::Results r) {
    if (r[0].ok()) return Say("resumed " + s.name);
    Say("resume " + s.name + ": " + r[0].status().message(), true);
  });
}

void Console::LoadLog() {
  if (log_in_flight_) return;
  log_in_flight_ = true;
  next_log_ms_ = now_ms_ + kRefreshMs;
  const int64_t limit = std::clamp(screen_.TableHeight() - 2, 1, 1000);
  json::object params{{"session", log_for_.id}, {"tail", true}, {"limit", limit}};
  link_.Call({{"log.read", std::move(params)}}, [this, want = log_for_](Link::Results r) {
    log_in_flight_ = false;
    dirty_ = true;
    if (mode_ != Mode::kLog || log_for_.id != want.id) return;
    const json::value* entries = nullptr;
    if (r[0].ok() && r[0]->is_object()) entries = r[0]->as_object().if_contains("entries");
    if (!entries || !entries->is_array()) {
      const std::string why = r[0].ok() ? "rosterd sent no entries" : r[0].status().message();
      return Say("log of " + want.name + ": " + why, true);
    }
    log_->lines.clear();
    for (const auto& e : entries->as_array()) log_->lines.push_back(LogCells(e, now_ms_));
    const json::value* epoch = r[0]->as_object().if_contains("epoch");
    log_->title =
        "log of " + want.name + ", epoch " + (epoch ? Text(*epoch) : "?") + ": " +
        (log_->lines.empty() ? "no entries" : "the newest " + std::to_string(log_->lines.size())) +
        " (Esc, q or Enter: back)";
  });
}

void Console::RefreshRows(int64_t now_ms) {
  if (refresh_in_flight_ || now_ms < next_refresh_ms_ || mode_ == Mode::kLog ||
      link_.state() != Link::State::kLive)
    return;
  next_refresh_ms_ = now_ms + kRefreshMs;
  Cursor c;
  std::vector<Row> rows = CurrentRows(&c);
  std::vector<Link::Request> gets;
  const size_t end = std::min(rows.size(), static_cast<size_t>(c.top + screen_.TableHeight()));
  for (size_t i = static_cast<size_t>(c.top); i < end; ++i)
    gets.push_back({"session.get", {{"session", std::string(rows[i].id())}}});
  if (gets.empty()) return;
  refresh_in_flight_ = true;
  link_.Call(std::move(gets), [this](Link::Results results) {
    refresh_in_flight_ = false;
    dirty_ = true;
    for (const auto& r : results) {  // not_found: the feed's delete is on its way
      if (r.ok() && r->is_object()) model_.Refresh(r->as_object());
    }
  });
}

void Console::Tick(int64_t now_ms) {
  now_ms_ = now_ms;
  if (message_until_ms_ != 0 && now_ms >= message_until_ms_) {
    message_.clear();
    message_until_ms_ = 0;
    dirty_ = true;
  }
  RefreshRows(now_ms);
  if (mode_ == Mode::kLog && now_ms >= next_log_ms_) LoadLog();
}

void Console::Say(std::string text, bool error) {
  message_ = std::move(text);
  message_error_ = error;
  message_until_ms_ = now_ms_ + kMessageMs;
  dirty_ = true;
}

}  // namespace roster::ctl::top

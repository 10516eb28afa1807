// frame.cc — what top shows: the Console's state turned into the Frame the
// Screen draws (title, connection state, rows and cursor, log, prompt,
// message or key hints).
#include "ctl/top/console.h"

namespace roster::ctl::top {

namespace {
constexpr int64_t kSlowMs = 3000;  // an answer later than this is shown as a warning
}  // namespace

void Console::Draw(int64_t now_ms) {
  now_ms_ = now_ms;
  dirty_ = false;
  Frame f;
  Cursor c;
  std::vector<Row> rows = CurrentRows(&c);
  if (c.selected >= 0) {
    selected_id_ = rows[static_cast<size_t>(c.selected)].id();
    selected_index_ = c.selected;
  }
  top_ = c.top;
  f.title = "roster top  " + std::to_string(model_.size()) + " sessions";
  if (size_t n = model_.needs_user()) f.title += ", " + std::to_string(n) + " need you";
  f.title += "  sort: " + std::string(SortName(query_.sort));
  if (!query_.filter.empty()) f.title += "  filter: \"" + query_.filter + "\"";
  if (query_.needs_me_only) f.title += "  only those that need you";
  if (rows.size() != model_.size()) f.title += "  (" + std::to_string(rows.size()) + " shown)";
  const int64_t waiting = link_.waiting_since();
  switch (link_.state()) {
    case Link::State::kLive:
      f.state = "live, rev " + std::to_string(model_.rev());
      if (waiting != 0 && now_ms - waiting > kSlowMs) {
        f.state = "no answer for " + std::to_string((now_ms - waiting) / 1000) + "s";
        f.state_alarm = true;
      }
      break;
    case Link::State::kSyncing:
      f.state = "syncing...";
      break;
    case Link::State::kDisconnected:
      f.state = "reconnecting...";
      f.state_alarm = true;
      break;
  }
  f.rows = &rows;
  f.cursor = c;
  f.now_ms = now_ms;
  f.empty_text = model_.size() == 0 ? "no sessions" : "no session matches (Esc shows all)";
  if (mode_ == Mode::kLog) f.log = log_;
  if (mode_ == Mode::kNote)
    f.prompt = "pause " + prompt_for_.name + ", note (Enter pauses, Esc cancels): " + input_;
  if (mode_ == Mode::kFilter)
    f.prompt = "filter by name, root or branch (Enter keeps, Esc restores): " + input_;
  // An error first, then why the daemon is away, then news.
  if (!message_.empty() && (message_error_ || link_.state() != Link::State::kDisconnected)) {
    f.message = message_;
    f.message_error = message_error_;
  } else if (link_.state() == Link::State::kDisconnected) {
    f.message = link_.problem() + "; trying again";
    f.message_error = true;
  }
  f.hints = mode_ == Mode::kLog
                ? "Esc, q or Enter: back to the table"
                : "q quit  j/k move  p pause  r resume  / filter  n needs me  s sort  Enter log";
  screen_.Draw(f);
}

}  // namespace roster::ctl::top

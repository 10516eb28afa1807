// console.h — top's controller: what each key does, the actions it sends
// through the Link (pause with a note, resume, the session's recent log), the
// once-a-second refresh of the rows on screen (console.cc), and the frame it
// hands to the Screen (frame.cc).
//
// Keys: ↑/↓ or k/j move (PgUp/PgDn, Home/End or g/G), p pauses the selected
// session after asking for a note, r resumes it, / filters by a substring of
// name, root or branch (live as it is typed; Esc restores the old filter), n
// shows only the sessions that need the user, s cycles the sort, Enter shows
// the session's recent log (Esc, q or Enter close it), Esc clears the filter,
// q quits. An action's error goes to the bottom line; nothing the daemon
// answers ends the console.
//
// The selection follows its session (by id) when rows move. Liveness: the
// feed carries every change but not pure heartbeats, so once a second the
// console asks for the rows on screen in one batch of session.get (at most
// one batch in flight), which keeps LAST SEEN and EXPIRES within a second of
// the truth at a cost that does not grow with the number of sessions.
// Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "ctl/top/link.h"
#include "ctl/top/model.h"
#include "ctl/top/screen.h"

namespace roster::ctl::top {

class Console {
 public:
  // All three must outlive the Console.
  Console(Link& link, Model& model, Screen& screen);

  // Handles one key (an ncurses code). Returns false when the user quits.
  bool OnKey(int key, int64_t now_ms);
  // Timed work: the refresh of the rows on screen and of an open log.
  void Tick(int64_t now_ms);
  // Whether something changed since the last Draw (a reply, a key).
  bool dirty() const { return dirty_; }
  void MarkDirty() { dirty_ = true; }
  void Draw(int64_t now_ms);

 private:
  enum class Mode { kTable, kNote, kFilter, kLog };
  struct Selected {
    std::string id, name;
  };

  // The rows as the query shows them and where the cursor is among them.
  std::vector<Row> CurrentRows(Cursor* cursor) const;
  std::optional<Selected> Selection() const;
  bool OnTableKey(int key, int64_t now_ms);
  void OnPromptKey(int key);
  void Move(int delta);
  void Submit();
  void Pause(const Selected& s, const std::string& note);
  void Resume(const Selected& s);
  void LoadLog();
  void RefreshRows(int64_t now_ms);
  void Say(std::string text, bool error = false);

  Link& link_;
  Model& model_;
  Screen& screen_;
  Query query_;
  Mode mode_ = Mode::kTable;
  bool dirty_ = true;
  int64_t now_ms_ = 0;
  // The selection: its session, and its index and the first row shown (used
  // when that session is gone).
  std::string selected_id_;
  int selected_index_ = 0, top_ = 0;
  // A prompt: what is typed, and for a note the session it is for.
  std::string input_, saved_filter_;
  Selected prompt_for_;
  // The open log.
  Selected log_for_;
  std::optional<Frame::Log> log_;
  bool log_in_flight_ = false;
  int64_t next_log_ms_ = 0;
  // The refresh of the rows on screen.
  bool refresh_in_flight_ = false;
  int64_t next_refresh_ms_ = 0;
  // The bottom line's message, until when it shows.
  std::string message_;
  bool message_error_ = false;
  int64_t message_until_ms_ = 0;
};

}  // namespace roster::ctl::top

// model.h — what `rosterctl top` knows about the sessions, and the pure rules
// that turn it into the rows on screen.
//
// The model is fed by the watch feed (sessions and pauses: snapshot, then
// every change) and by the console's once-a-second session.get of the rows on
// screen, which is the only way to learn of a pure heartbeat (a heartbeat that
// moves only last_seen is not a feed event). The feed is the authority for
// every field; a refresh only moves a row's liveness (last_seen, expires_at)
// forward, so a reply that raced a newer feed event cannot undo it.
//
// No I/O and no terminal here: everything is unit-tested (tests/top_test.cc).
// Not thread-safe; the console's one thread owns it.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roster::ctl::top {

// The open pause of a session, as the feed's pause rows describe it.
struct OpenPause {
  int64_t id = 0;
  std::string note;     // empty when the operator gave none
  std::string summary;  // the automatic summary
};

// A session as the model keeps it: the Session JSON (id, name, root,
// status, last_seen, expires_at, …, and from the hook adapter `activity`,
// `branch`, `tmux_pane`, `grace_until`, each absent or null when unknown),
// and the fields that sorting and filtering read, taken out once when it
// changes rather than looked up in every comparison.
struct Entry {
  explicit Entry(boost::json::object s);
  boost::json::object session;
  std::string id, name, root, branch, status, activity;  // "" when absent or null
  int64_t created_at = 0;
};

// One session as shown; it points into the Model and is valid until the
// Model's next change.
struct Row {
  const Entry* entry = nullptr;
  const OpenPause* pause = nullptr;  // null when not paused

  const boost::json::object& session() const { return entry->session; }
  std::string_view Str(std::string_view key) const;  // "" when absent, null or not a string
  int64_t Int(std::string_view key) const;           // 0 when absent, null or not an integer
  std::string_view id() const { return entry->id; }
  std::string_view name() const { return entry->name; }
  std::string_view status() const { return entry->status; }
  std::string_view activity() const { return entry->activity; }
};

// An agent needs the user when it waits at its prompt or for a permission
// answer (activity waiting_input or waiting_permission).
bool NeedsUser(const Row& row);

enum class Sort { kAttention, kName, kStatus, kRoot, kNewest };
inline constexpr int kSortCount = 5;
// "attention" (needs the user first, then by name), "name", "status", "root",
// "newest" (most recently created first); every order ends by name, then id.
const char* SortName(Sort sort);
Sort NextSort(Sort sort);

// Which rows to show, in which order.
struct Query {
  Sort sort = Sort::kAttention;
  std::string filter;          // case-insensitive substring of name, root or branch
  bool needs_me_only = false;  // only rows for which NeedsUser holds
};

class Model {
 public:
  Model();
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Applies the params of one watch.event (entity session or pause; others
  // are ignored). Returns false when the event is malformed (it is ignored).
  bool Apply(const boost::json::object& event);
  // A fresh snapshot: the events until EndSnapshot build a new state, which
  // then replaces the current one at once (so the screen never shows half of
  // a snapshot and rows deleted meanwhile disappear).
  void BeginSnapshot();
  void EndSnapshot(int64_t rev);
  bool in_snapshot() const { return next_ != nullptr; }
  // A session.get result: moves the row's last_seen and expires_at forward.
  void Refresh(const boost::json::object& session);
  // The feed position: the highest rev seen in an event, synced or progress.
  void NoteRev(int64_t rev);
  int64_t rev() const { return rev_; }
  // True once a snapshot completed (a `since` watch can resume from rev()).
  bool synced() const { return synced_; }

  std::vector<Row> Rows(const Query& query) const;
  size_t size() const;
  size_t needs_user() const;

 private:
  struct State;
  State& target() { return next_ ? *next_ : *cur_; }
  std::unique_ptr<State> cur_, next_;
  int64_t rev_ = 0;
  bool synced_ = false;
};

// Where the selection and the first visible row are, given the ordered rows,
// the id that was selected, the index it had (for when it vanished) and the
// number of rows that fit. Pure, for the console and the tests.
struct Cursor {
  int selected = -1;  // index into the rows, -1 when there are none
  int top = 0;        // index of the first row on screen
};
Cursor PlaceCursor(const std::vector<Row>& rows, std::string_view selected_id, int old_index,
                   int old_top, int height);

}  // namespace roster::ctl::top

// model.cc — applying feed events and refreshes; filtering and sorting rows.
#include "ctl/top/model.h"

#include <algorithm>
#include <tuple>

#include "core/entities.h"

namespace roster::ctl::top {

namespace json = boost::json;

struct Model::State {
  std::map<std::string, Entry, std::less<>> sessions;    // by session id
  std::map<std::string, OpenPause, std::less<>> pauses;  // open pauses, by session id
};

namespace {

std::string_view StrOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

const json::value* IntOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v : nullptr;
}

// A feed image can be older than what a refresh already showed (the refresh
// raced the event): keep the newer last_seen, moving expires_at along with it.
void KeepNewerLiveness(const json::object& old, json::object& next) {
  const json::value* old_seen = IntOf(old, "last_seen");
  const json::value* new_seen = IntOf(next, "last_seen");
  if (!old_seen || !new_seen || old_seen->as_int64() <= new_seen->as_int64()) return;
  const int64_t delta = old_seen->as_int64() - new_seen->as_int64();
  next["last_seen"] = old_seen->as_int64();
  if (const json::value* exp = IntOf(next, "expires_at"))
    next["expires_at"] = exp->as_int64() + delta;
}

char Lower(char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

// Whether `hay` contains `needle`, ASCII letters compared without case.
bool Contains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return Lower(a) == Lower(b); }) != hay.end();
}

int StatusRank(std::string_view s) {
  static constexpr std::string_view kOrder[] = {"active", "idle", "paused", "stale", "stopped"};
  for (int i = 0; i < 5; ++i)
    if (s == kOrder[i]) return i;
  return 5;
}

}  // namespace

Entry::Entry(json::object s)
    : session(std::move(s)),
      id(StrOf(session, "id")),
      name(StrOf(session, "name")),
      root(StrOf(session, "root")),
      branch(StrOf(session, "branch")),
      status(StrOf(session, "status")),
      activity(StrOf(session, "activity")) {
  if (const json::value* c = IntOf(session, "created_at")) created_at = c->as_int64();
}

std::string_view Row::Str(std::string_view key) const { return StrOf(entry->session, key); }

int64_t Row::Int(std::string_view key) const {
  const json::value* v = IntOf(entry->session, key);
  return v ? v->as_int64() : 0;
}

bool NeedsUser(const Row& row) {
  return row.activity() == "waiting_input" || row.activity() == "waiting_permission";
}

const char* SortName(Sort sort) {
  static const char* kNames[] = {"attention", "name", "status", "root", "newest"};
  return kNames[static_cast<int>(sort)];
}

Sort NextSort(Sort sort) { return static_cast<Sort>((static_cast<int>(sort) + 1) % kSortCount); }

Model::Model() : cur_(std::make_unique<State>()) {}
Model::~Model() = default;

bool Model::Apply(const json::object& event) {
  const std::string_view entity = StrOf(event, "entity"), op = StrOf(event, "op");
  const json::value* data = event.if_contains("data");
  if (entity.empty() || op.empty() || !data || !data->is_object()) return false;
  const json::object& row = data->as_object();
  if (const json::value* rev = IntOf(event, "rev")) NoteRev(rev->as_int64());
  State& st = target();
  if (entity == kSessionEntity.name) {
    const std::string id(StrOf(row, "id"));
    if (id.empty()) return false;
    if (op == "delete") {
      st.sessions.erase(id);
      st.pauses.erase(id);
      return true;
    }
    json::object next = row;
    if (auto it = st.sessions.find(id); it != st.sessions.end())
      KeepNewerLiveness(it->second.session, next);
    st.sessions.insert_or_assign(id, Entry(std::move(next)));
    return true;
  }
  if (entity == kPauseEntity.name) {
    const std::string sid(StrOf(row, "session_id"));
    const json::value* pause_id = IntOf(row, "id");
    if (sid.empty() || !pause_id) return false;
    const json::value* resumed = row.if_contains("resumed_at");
    if (op != "delete" && (!resumed || resumed->is_null())) {
      st.pauses[sid] = OpenPause{pause_id->as_int64(), std::string(StrOf(row, "note")),
                                 std::string(StrOf(row, "summary"))};
    } else if (auto it = st.pauses.find(sid);
               it != st.pauses.end() && it->second.id == pause_id->as_int64()) {
      st.pauses.erase(it);  // the open pause ended (a snapshot may list older ones after it)
    }
  }
  return true;
}

void Model::BeginSnapshot() { next_ = std::make_unique<State>(); }

void Model::EndSnapshot(int64_t rev) {
  if (next_) cur_ = std::move(next_);
  rev_ = rev;  // exactly: after a restore the feed may have gone back
  synced_ = true;
}

void Model::Refresh(const json::object& session) {
  auto it = cur_->sessions.find(StrOf(session, "id"));
  if (it == cur_->sessions.end()) return;
  json::object& mine = it->second.session;  // liveness only: no cached field changes
  const json::value* seen = IntOf(session, "last_seen");
  const json::value* had = IntOf(mine, "last_seen");
  if (!seen || (had && had->as_int64() > seen->as_int64())) return;
  mine["last_seen"] = seen->as_int64();
  if (const json::value* exp = session.if_contains("expires_at")) mine["expires_at"] = *exp;
}

void Model::NoteRev(int64_t rev) {
  if (!next_) rev_ = std::max(rev_, rev);
}

std::vector<Row> Model::Rows(const Query& query) const {
  const std::string_view needle = query.filter;
  std::vector<Row> out;
  out.reserve(cur_->sessions.size());
  for (const auto& [id, s] : cur_->sessions) {
    auto p = cur_->pauses.find(id);
    Row row{&s, p == cur_->pauses.end() ? nullptr : &p->second};
    if (query.needs_me_only && !NeedsUser(row)) continue;
    if (!needle.empty() && !Contains(s.name, needle) && !Contains(s.root, needle) &&
        !Contains(s.branch, needle))
      continue;
    out.push_back(row);
  }
  auto by_name = [](const Row& a, const Row& b) {
    return std::tuple(a.name(), a.id()) < std::tuple(b.name(), b.id());
  };
  auto before = [&](const Row& a, const Row& b) {
    switch (query.sort) {
      case Sort::kAttention:
        if (NeedsUser(a) != NeedsUser(b)) return NeedsUser(a);
        break;
      case Sort::kStatus:
        if (StatusRank(a.status()) != StatusRank(b.status()))
          return StatusRank(a.status()) < StatusRank(b.status());
        break;
      case Sort::kRoot:
        if (a.entry->root != b.entry->root) return a.entry->root < b.entry->root;
        break;
      case Sort::kNewest:
        if (a.entry->created_at != b.entry->created_at)
          return a.entry->created_at > b.entry->created_at;
        break;
      case Sort::kName:
        break;
    }
    return by_name(a, b);
  };
  std::sort(out.begin(), out.end(), before);
  return out;
}

size_t Model::size() const { return cur_->sessions.size(); }

size_t Model::needs_user() const {
  size_t n = 0;
  for (const auto& [id, s] : cur_->sessions) n += NeedsUser(Row{&s, nullptr}) ? 1 : 0;
  return n;
}

Cursor PlaceCursor(const std::vector<Row>& rows, std::string_view selected_id, int old_index,
                   int old_top, int height) {
  const int n = static_cast<int>(rows.size());
  if (n == 0) return {};
  height = std::max(height, 1);
  int sel = -1;
  for (int i = 0; i < n && !selected_id.empty(); ++i) {
    if (rows[static_cast<size_t>(i)].id() == selected_id) {
      sel = i;
      break;
    }
  }
  if (sel < 0) sel = std::clamp(old_index, 0, n - 1);
  int top = std::clamp(old_top, 0, std::max(0, n - height));
  if (sel < top) top = sel;
  if (sel >= top + height) top = sel - height + 1;
  return {sel, top};
}

}  // namespace roster::ctl::top

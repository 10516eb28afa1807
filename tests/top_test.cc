// top_test.cc — the pure parts of `rosterctl top`: applying feed events and
// refreshes to the model, snapshots, sorting and filtering, the cursor, and
// the table's cells, column fitting and cutting. (The console itself is
// driven in tmux by top_console_test.cc.)
#include <gtest/gtest.h>

#include "ctl/top/model.h"
#include "ctl/top/table.h"

namespace roster::ctl::top {
namespace {

namespace json = boost::json;

json::object Session(const std::string& name, json::object extra = {}) {
  json::object s{{"id", "id-" + name},       {"name", name},
                 {"root", "/src/" + name},   {"status", "active"},
                 {"status_reason", nullptr}, {"created_at", 1000},
                 {"last_seen", 2000},        {"ttl_ms", 60000},
                 {"expires_at", 62000}};
  for (auto& [k, v] : extra) s[k] = v;
  return s;
}

json::object Event(int64_t rev, const char* entity, const char* op, json::object data) {
  return {{"watch_id", 1},    {"rev", rev}, {"ts", 0},
          {"entity", entity}, {"op", op},   {"data", std::move(data)}};
}

json::object PauseRow(int64_t id, const std::string& name, json::value resumed_at,
                      const char* note = "lunch") {
  return {{"id", id},     {"session_id", "id-" + name}, {"paused_at", 1}, {"summary", "auto"},
          {"note", note}, {"resumed_at", resumed_at}};
}

std::vector<std::string> Names(const Model& m, const Query& q = {}) {
  std::vector<std::string> out;
  for (const Row& r : m.Rows(q)) out.emplace_back(r.name());
  return out;
}

TEST(TopModel, AppliesInsertsUpdatesAndDeletes) {
  Model m;
  EXPECT_TRUE(m.Apply(Event(1, "session", "insert", Session("b"))));
  EXPECT_TRUE(m.Apply(Event(2, "session", "insert", Session("a"))));
  EXPECT_TRUE(m.Apply(Event(3, "session", "update", Session("a", {{"status", "idle"}}))));
  EXPECT_EQ(Names(m), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.Rows({})[0].status(), "idle");
  EXPECT_TRUE(m.Apply(Event(4, "pause", "insert", PauseRow(7, "b", nullptr))));
  EXPECT_TRUE(m.Apply(Event(5, "session", "delete", Session("b"))));
  EXPECT_EQ(Names(m), (std::vector<std::string>{"a"}));
  EXPECT_EQ(m.rev(), 5);
  EXPECT_TRUE(m.Apply(Event(6, "team", "insert", {{"root", "/r"}})));  // not top's: ignored
  EXPECT_EQ(m.size(), 1u);
}

TEST(TopModel, MalformedEventsChangeNothing) {
  Model m;
  m.Apply(Event(1, "session", "insert", Session("a")));
  EXPECT_FALSE(m.Apply({{"entity", "session"}, {"op", "insert"}}));
  EXPECT_FALSE(m.Apply(Event(2, "session", "insert", {{"name", "no-id"}})));
  EXPECT_FALSE(m.Apply(Event(3, "pause", "insert", {{"session_id", "id-a"}})));
  EXPECT_FALSE(m.Apply({{"entity", 5}, {"op", "insert"}, {"data", json::object{}}}));
  EXPECT_EQ(Names(m), (std::vector<std::string>{"a"}));
  EXPECT_EQ(m.Rows({})[0].pause, nullptr);
}

TEST(TopModel, OpenPauseFollowsItsOwnId) {
  Model m;
  m.Apply(Event(1, "session", "insert", Session("a")));
  m.Apply(Event(2, "pause", "insert", PauseRow(9, "a", nullptr, "back at 3")));
  ASSERT_NE(m.Rows({})[0].pause, nullptr);
  EXPECT_EQ(m.Rows({})[0].pause->note, "back at 3");
  // An older, resumed pause (a snapshot lists pauses by key, "10" before "9")
  // does not end the open one.
  m.Apply(Event(3, "pause", "snapshot", PauseRow(10, "a", 5)));
  ASSERT_NE(m.Rows({})[0].pause, nullptr);
  m.Apply(Event(4, "pause", "update", PauseRow(9, "a", 6)));
  EXPECT_EQ(m.Rows({})[0].pause, nullptr);
}

TEST(TopModel, ASnapshotReplacesTheStateAtOnce) {
  Model m;
  m.Apply(Event(1, "session", "insert", Session("a")));
  m.Apply(Event(2, "session", "insert", Session("b")));
  m.NoteRev(40);
  m.BeginSnapshot();
  EXPECT_TRUE(m.in_snapshot());
  m.Apply(Event(30, "session", "snapshot", Session("a", {{"status", "stale"}})));
  m.NoteRev(35);
  EXPECT_EQ(Names(m), (std::vector<std::string>{"a", "b"}));  // the old state until synced
  EXPECT_EQ(m.Rows({})[0].status(), "active");
  m.EndSnapshot(30);
  EXPECT_EQ(Names(m), (std::vector<std::string>{"a"}));
  EXPECT_EQ(m.Rows({})[0].status(), "stale");
  EXPECT_EQ(m.rev(), 30);  // exactly the snapshot's rev, even below the old one (a restore)
  EXPECT_TRUE(m.synced());
}

TEST(TopModel, ARefreshOnlyMovesLivenessForward) {
  Model m;
  m.Apply(Event(1, "session", "insert", Session("a")));
  m.Refresh(Session("a", {{"last_seen", 5000}, {"expires_at", 65000}, {"status", "stopped"}}));
  Row r = m.Rows({})[0];
  EXPECT_EQ(r.Int("last_seen"), 5000);
  EXPECT_EQ(r.Int("expires_at"), 65000);
  EXPECT_EQ(r.status(), "active");  // the feed is the authority for everything else
  m.Refresh(Session("a", {{"last_seen", 4000}, {"expires_at", 64000}}));
  EXPECT_EQ(m.Rows({})[0].Int("last_seen"), 5000);
  m.Refresh(Session("unknown", {{"last_seen", 9000}}));
  EXPECT_EQ(m.size(), 1u);
  // A feed image older than the refresh keeps the newer last_seen and moves
  // its expiry along (here the TTL changed to 30 s).
  m.Apply(Event(
      2, "session", "update",
      Session(
          "a",
          {{"last_seen", 3000}, {"ttl_ms", 30000}, {"expires_at", 33000}, {"status", "idle"}})));
  r = m.Rows({})[0];
  EXPECT_EQ(r.status(), "idle");
  EXPECT_EQ(r.Int("last_seen"), 5000);
  EXPECT_EQ(r.Int("expires_at"), 35000);
}

TEST(TopModel, SortsNeedsUserFirstThenByNameAndCyclesOrders) {
  Model m;
  m.Apply(Event(1, "session", "insert",
                Session("delta", {{"activity", "working"}, {"created_at", 4}})));
  m.Apply(Event(2, "session", "insert",
                Session("charlie", {{"activity", "waiting_permission"},
                                    {"created_at", 3},
                                    {"status", "idle"},
                                    {"root", "/a"}})));
  m.Apply(
      Event(3, "session", "insert",
            Session("bravo", {{"status", "paused"}, {"created_at", 9}, {"activity", nullptr}})));
  m.Apply(Event(4, "session", "insert",
                Session("alpha", {{"activity", "waiting_input"},
                                  {"created_at", 1},
                                  {"status", "stale"},
                                  {"root", "/b"}})));
  EXPECT_EQ(m.needs_user(), 2u);
  EXPECT_EQ(Names(m), (std::vector<std::string>{"alpha", "charlie", "bravo", "delta"}));
  Query q;
  q.sort = NextSort(q.sort);
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"alpha", "bravo", "charlie", "delta"}));
  q.sort = NextSort(q.sort);
  EXPECT_STREQ(SortName(q.sort), "status");
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"delta", "charlie", "bravo", "alpha"}));
  q.sort = NextSort(q.sort);
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"charlie", "alpha", "bravo", "delta"}));
  q.sort = NextSort(q.sort);
  EXPECT_STREQ(SortName(q.sort), "newest");
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"bravo", "delta", "charlie", "alpha"}));
  EXPECT_EQ(NextSort(q.sort), Sort::kAttention);
}

TEST(TopModel, FiltersByNameRootOrBranchAndByNeed) {
  Model m;
  m.Apply(Event(1, "session", "insert", Session("Web-API", {{"root", "/srv/x"}})));
  m.Apply(Event(2, "session", "insert",
                Session("docs", {{"branch", "feature/WEB-login"}, {"activity", "waiting_input"}})));
  m.Apply(Event(3, "session", "insert", Session("infra", {{"root", "/home/me/web"}})));
  m.Apply(Event(4, "session", "insert", Session("other")));
  Query q;
  q.filter = "web";
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"docs", "Web-API", "infra"}));
  q.filter = "";
  q.needs_me_only = true;
  EXPECT_EQ(Names(m, q), (std::vector<std::string>{"docs"}));
  q.filter = "api";
  EXPECT_TRUE(Names(m, q).empty());
}

TEST(TopModel, TheCursorFollowsItsSessionAndStaysOnScreen) {
  Model m;
  for (const char* n : {"a", "b", "c", "d", "e"})
    m.Apply(Event(1, "session", "insert", Session(n)));
  std::vector<Row> rows = m.Rows({});
  Cursor c = PlaceCursor(rows, "id-d", 0, 0, 2);
  EXPECT_EQ(c.selected, 3);
  EXPECT_EQ(c.top, 2);  // scrolled so that d shows
  m.Apply(Event(2, "session", "insert", Session("0first")));
  rows = m.Rows({});
  EXPECT_EQ(PlaceCursor(rows, "id-d", 3, 2, 2).selected, 4);  // d moved down one
  m.Apply(Event(3, "session", "delete", Session("d")));
  rows = m.Rows({});
  c = PlaceCursor(rows, "id-d", 4, 3, 2);  // gone: the same place
  EXPECT_EQ(c.selected, 4);
  EXPECT_EQ(rows[4].name(), "e");
  EXPECT_EQ(PlaceCursor(rows, "", 99, 99, 3).selected, 4);
  EXPECT_EQ(PlaceCursor(rows, "", 99, 99, 3).top, 2);
  EXPECT_EQ(PlaceCursor({}, "id-a", 0, 0, 3).selected, -1);
}

// ---- the table

std::vector<std::string> Shown(const std::vector<int>& widths) {
  std::vector<std::string> out;
  for (size_t i = 0; i < widths.size(); ++i)
    if (widths[i] > 0) out.emplace_back(Columns()[i].header);
  return out;
}

int LineWidth(const std::vector<int>& widths) {
  int w = 0, shown = 0;
  for (int x : widths) {
    if (x == 0) continue;
    w += x + (shown++ ? kGap : 0);
  }
  return w;
}

std::vector<std::vector<std::string>> SomeCells() {
  Model m;
  m.Apply(Event(1, "session", "insert",
                Session("a-rather-long-agent-name", {{"activity", "waiting_permission"},
                                                     {"branch", "feature/column-fitting"},
                                                     {"root", "/home/me/src/roster/wt/top"}})));
  m.Apply(Event(2, "session", "insert", Session("b", {{"status", "paused"}})));
  m.Apply(Event(4, "session", "insert",
                Session("c-pid", {{"pid", 42}, {"expires_at", nullptr}, {"status", "idle"}})));
  m.Apply(Event(3, "pause", "insert", PauseRow(1, "b", nullptr, "waiting for the review of #13")));
  std::vector<std::vector<std::string>> cells;
  for (const Row& r : m.Rows({})) cells.push_back(Cells(r, 10'000));
  return cells;
}

TEST(TopTable, EightyColumnsKeepTheLivenessColumnsAndDropTheLeastUseful) {
  auto cells = SomeCells();
  std::vector<int> w = Fit(Columns(), cells, 78);  // 80 less the selection gutter
  EXPECT_LE(LineWidth(w), 78);
  EXPECT_EQ(Shown(w), (std::vector<std::string>{"STATUS", "NAME", "ACTIVITY", "LAST SEEN",
                                                "EXPIRES", "BRANCH", "NOTE"}));
  std::vector<int> wide = Fit(Columns(), cells, 200);
  EXPECT_EQ(Shown(wide).size(), Columns().size());
  EXPECT_EQ(wide[1], 24);  // NAME at its natural width
  // Narrow: the most important that fit (ACTIVITY needs 11 more).
  EXPECT_EQ(Shown(Fit(Columns(), cells, 30)), (std::vector<std::string>{"STATUS", "NAME"}));
  for (int width = 0; width <= 220; ++width) {
    std::vector<int> fit = Fit(Columns(), cells, width);
    EXPECT_LE(LineWidth(fit), width) << width;
    for (size_t a = 0; a < fit.size(); ++a) {  // never a column without the more important ones
      for (size_t b = 0; b < fit.size(); ++b) {
        if (Columns()[a].priority < Columns()[b].priority && fit[b] > 0) {
          EXPECT_GT(fit[a], 0) << width;
        }
      }
    }
  }
}

TEST(TopTable, CellsShowActivityNotesAndOnlyLiveExpiry) {
  auto cells = SomeCells();
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0][0], "active");
  EXPECT_EQ(cells[0][2], "needs permission");
  EXPECT_EQ(cells[0][3], "8s ago");
  EXPECT_EQ(cells[0][4], "in 52s");
  EXPECT_EQ(cells[0][5], "feature/column-fitting");
  EXPECT_EQ(cells[1][2], "-");
  EXPECT_EQ(cells[1][4], "-");  // a paused session does not expire
  EXPECT_EQ(cells[1][8], "waiting for the review of #13");
  EXPECT_EQ(cells[2][4], "(pid)");  // its process decides its life
  EXPECT_EQ(ActivityLabel("waiting_input"), "needs input");
  EXPECT_EQ(ActivityLabel("working"), "working");
}

TEST(TopTable, ClipsOnCharacterBoundariesAndKeepsThePathsEnd) {
  const std::string dots = "\xE2\x80\xA6";
  EXPECT_EQ(Clip("abcdef", 6, false, dots), "abcdef");
  EXPECT_EQ(Clip("abcdef", 4, false, dots), "abc" + dots);
  EXPECT_EQ(Clip("/home/me/src/app", 8, true, "~"), "~src/app");
  EXPECT_EQ(Clip("h\xC3\xA9llo", 3, false, "~"), "h\xC3\xA9~");  // é is not split
  EXPECT_EQ(Clip("abc", 1, false, "~"), "~");
  EXPECT_EQ(Clip("abc", 0, false, "~"), "");
  EXPECT_EQ(DisplayWidth("h\xC3\xA9llo"), 5);
  EXPECT_EQ(Printable("a\nb\tc\x7f"), "a b c ");
  EXPECT_EQ(Printable("ok\xFF\xC3"), "ok??");
}

TEST(TopTable, LaysOutShownColumnsWithGaps) {
  std::vector<Column> cols = {{"A", 1, 5, 0, false}, {"B", 1, 5, 2, false}, {"C", 1, 5, 1, false}};
  std::vector<Span> spans = LayOut({"xx", "yyyyyy", "zzzzzzz"}, cols, {2, 0, 4}, "~");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].x, 0);
  EXPECT_EQ(spans[0].text, "xx");
  EXPECT_EQ(spans[1].x, 2 + kGap);
  EXPECT_EQ(spans[1].column, 2);
  EXPECT_EQ(spans[1].text, "zzz~");
}

TEST(TopTable, LogCellsShowStringBodiesAsThemselves) {
  json::value e = {{"seq", 7}, {"epoch", 1}, {"ts", 4000}, {"kind", "Stop"}, {"body", "done\nnow"}};
  EXPECT_EQ(LogCells(e, 10'000), (std::vector<std::string>{"7", "6s ago", "Stop", "done now"}));
  e.as_object()["body"] = {{"tool", "Bash"}};
  EXPECT_EQ(LogCells(e, 10'000)[3], R"({"tool":"Bash"})");
}

}  // namespace
}  // namespace roster::ctl::top

// format.cc — tables and relative times for rosterctl.
#include "ctl/format.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>

namespace roster::ctl {

namespace json = boost::json;

bool ColorWanted() { return isatty(1) && !std::getenv("NO_COLOR"); }

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

static std::string Span(int64_t ms) {
  int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string Relative(int64_t when_ms, int64_t now_ms) {
  if (when_ms > now_ms) return "in " + Span(when_ms - now_ms);
  return Span(now_ms - when_ms) + " ago";
}

std::string Text(const json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

static size_t Width(const std::string& s) {
  size_t w = 0;
  bool esc = false;
  for (unsigned char c : s) {
    if (c == 0x1b)
      esc = true;
    else if (esc && c == 'm')
      esc = false;
    else if (!esc && (c & 0xC0) != 0x80)
      ++w;
  }
  return w;
}

size_t TerminalWidth() {
  if (const char* c = std::getenv("COLUMNS"); c && *c) {
    char* end = nullptr;
    long n = std::strtol(c, &end, 10);
    if (*end == '\0' && n > 0) return static_cast<size_t>(n);
  }
  winsize ws{};
  if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

// The first `max` display columns of `s`, ending in "…" when cut (colour
// codes are kept whole and closed).
static std::string Cut(const std::string& s, size_t max) {
  if (Width(s) <= max) return s;
  std::string out;
  size_t w = 0;
  bool esc = false, colored = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) esc = colored = true;
    if (!esc && (c & 0xC0) != 0x80) {
      if (w + 1 == max) break;
      ++w;
    }
    if (esc && c == 'm') esc = false;
    out += s[i];
  }
  return out + (colored ? "\x1b[0m" : "") + "\u2026";
}

std::string Table(const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows, size_t width) {
  const size_t kGap = 2, kMinCut = 6;
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = Width(headers[i]);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], Width(r[i]));
  }
  size_t shown = headers.size();
  auto total = [&] {
    size_t t = 0;
    for (size_t i = 0; i < shown; ++i) t += widths[i] + (i + 1 < shown ? kGap : 0);
    return t;
  };
  auto floor = [&](size_t i) { return std::max(Width(headers[i]), kMinCut); };
  while (width > 0 && total() > width) {
    // Cut the widest column that can still give, one column at a time.
    size_t widest = shown;
    for (size_t i = 0; i < shown; ++i) {
      if (widths[i] > floor(i) && (widest == shown || widths[i] > widths[widest])) widest = i;
    }
    if (widest < shown) {
      --widths[widest];
    } else if (shown > 1) {
      --shown;  // nothing left to cut: leave out the rightmost column
    } else {
      break;
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < shown && i < cells.size(); ++i) {
      std::string cell = Cut(cells[i], widths[i]);
      out += cell;
      if (i + 1 < shown && i + 1 < cells.size())
        out += std::string(widths[i] - Width(cell) + kGap, ' ');
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& r : rows) out += line(r);
  return out;
}

static std::string Colored(const std::string& status, const Style& style) {
  if (!style.color) return status;
  const char* code = status == "active"        ? "32"
                     : status == "idle"        ? "36"
                     : status == "paused"      ? "33"
                     : status == "stale"       ? "31"
                     : status == "unreachable" ? "35"
                                               : "2";
  return std::string("\x1b[") + code + "m" + status + "\x1b[0m";
}

static int64_t Int(const json::value& v, const char* key) {
  const auto* p = v.as_object().if_contains(key);
  return p && p->is_int64() ? p->as_int64() : 0;
}

static std::string Clip(std::string s, size_t max) {
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

// When the session expires: "in 25s", "(pid)" when its process decides its
// life (expires_at null), "-" when it is not live.
static std::string Expires(const json::object& o, bool live, const Style& style) {
  if (!live) return "-";
  const auto* e = o.if_contains("expires_at");
  if (!e || !e->is_int64()) return "(pid)";
  return Relative(e->as_int64(), style.now_ms);
}

// The host column shows only when the sessions run on more than one host
// (a registry shared by several machines); a session whose host is
// unreachable shows so as its status, its last known one in the note.
std::string SessionsTable(const json::array& sessions, const Style& style) {
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> hosts;
  for (const auto& s : sessions) {
    const auto& o = s.as_object();
    const json::value* host_field = o.if_contains("host");
    const std::string host = host_field ? Text(*host_field) : "-";
    hosts.insert(host);
    std::string status(o.at("status").as_string());
    bool live = status == "active" || status == "idle";
    std::string note = "-";
    if (o.at("pause").is_object()) {
      const auto& p = o.at("pause").as_object();
      note = Clip(Text(p.at("note").is_null() ? p.at("summary") : p.at("note")), 40);
    } else if (!o.at("status_reason").is_null()) {
      note = Text(o.at("status_reason"));
    }
    const json::value* unreachable = o.if_contains("unreachable");
    if (unreachable && unreachable->is_bool() && unreachable->as_bool() &&
        (live || status == "paused")) {
      note = "host " + host + " unreachable; was " + status;
      status = "unreachable";
      live = false;  // nobody judges its TTL now
    }
    const json::value* branch = o.if_contains("branch");
    const json::value* activity = o.if_contains("activity");
    rows.push_back({Colored(status, style), Text(o.at("name")), host, Text(o.at("root")),
                    branch ? Text(*branch) : "-", activity ? Text(*activity) : "-",
                    Relative(Int(s, "created_at"), style.now_ms),
                    Relative(Int(s, "last_seen"), style.now_ms), Expires(o, live, style), note});
  }
  std::vector<std::string> headers = {"STATUS",   "NAME", "HOST",      "ROOT",    "BRANCH",
                                      "ACTIVITY", "AGE",  "LAST SEEN", "EXPIRES", "NOTE"};
  if (hosts.size() <= 1) {
    constexpr size_t kHostColumn = 2;
    headers.erase(headers.begin() + kHostColumn);
    for (auto& r : rows) r.erase(r.begin() + kHostColumn);
  }
  return Table(headers, rows);
}

std::string TeamsTable(const json::array& teams, const Style& style) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : teams) {
    std::string agents;
    for (const auto& a : t.at("agents").as_array()) agents += (agents.empty() ? "" : ",") + Text(a);
    rows.push_back({Text(t.at("project_id")), Text(t.at("root")), Text(t.at("tmux_prefix")),
                    agents.empty() ? "-" : agents, Relative(Int(t, "started_at"), style.now_ms)});
  }
  return Table({"PROJECT", "ROOT", "PREFIX", "AGENTS", "STARTED"}, rows);
}

std::string RosterTable(const json::array& roster) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : roster) {
    rows.push_back({Text(r.at("project_id")), Text(r.at("agent")), Text(r.at("tmux_session"))});
  }
  return Table({"PROJECT", "AGENT", "TMUX SESSION"}, rows);
}

std::string LogTable(const json::array& entries, const Style& style) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : entries) {
    rows.push_back({std::to_string(Int(e, "seq")), std::to_string(Int(e, "epoch")),
                    Relative(Int(e, "ts"), style.now_ms), Text(e.at("kind")),
                    Clip(Text(e.at("body")), 80)});
  }
  return Table({"SEQ", "EPOCH", "WHEN", "KIND", "BODY"}, rows);
}

std::string PausesTable(const json::array& pauses, const Style& style) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : pauses) {
    const auto& resumed = p.at("resumed_at");
    rows.push_back({Relative(Int(p, "paused_at"), style.now_ms),
                    resumed.is_null() ? "(open)" : Relative(resumed.as_int64(), style.now_ms),
                    Clip(Text(p.at("note")), 40), Clip(Text(p.at("summary")), 60)});
  }
  return Table({"PAUSED", "RESUMED", "NOTE", "SUMMARY"}, rows);
}

std::string KeyValues(const json::value& v) {
  if (!v.is_object()) return Text(v) + "\n";
  std::string out;
  for (const auto& [k, val] : v.as_object()) out += std::string(k) + ": " + Text(val) + "\n";
  return out;
}

}  // namespace roster::ctl

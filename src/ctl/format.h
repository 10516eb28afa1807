// format.h — rosterctl's human output: aligned tables, relative times
// ("3m ago", "in 25s") and status colours (only on a TTY, never with
// NO_COLOR). --json output bypasses all of this.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace roster::ctl {

struct Style {
  bool color = false;  // ANSI colours
  int64_t now_ms = 0;  // "now" for relative times
};

// True when stdout is a terminal and NO_COLOR is unset.
bool ColorWanted();
int64_t NowMs();

// "12s ago", "3m ago", "2h ago", "4d ago" for the past, "in 25s" for the future.
std::string Relative(int64_t when_ms, int64_t now_ms);

// The width tables must fit: $COLUMNS when set, else the terminal's when
// stdout is one, else 0 (no limit: a pipe gets whole rows).
size_t TerminalWidth();

// Rows of cells, aligned on their display width, headers first, fitted to
// `width` (0: no limit) without wrapping: the widest columns are cut first
// (with "…", never below their header or 6 characters), and when even that
// is too wide the rightmost columns are left out.
std::string Table(const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows,
                  size_t width = TerminalWidth());

std::string SessionsTable(const boost::json::array& sessions, const Style& style);
std::string TeamsTable(const boost::json::array& teams, const Style& style);
std::string RosterTable(const boost::json::array& roster);
std::string LogTable(const boost::json::array& entries, const Style& style);
std::string PausesTable(const boost::json::array& pauses, const Style& style);
// One "key: value" line per member (nested values as compact JSON).
std::string KeyValues(const boost::json::value& v);

// A JSON value as display text (strings unquoted, null as "-").
std::string Text(const boost::json::value& v);

}  // namespace roster::ctl

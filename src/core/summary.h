// summary.h — the pause summary, built from a session's latest log entries or
// from the last lines of its agent's terminal.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/types.h"

namespace roster {

// Builds a one-line summary of `entries` (oldest first) of at most
// `max_chars` characters (UTF-8 code points), keeping the newest text when
// it must cut. Each entry reads "kind: text", where text is the body if it is
// a string, else its "message"/"prompt"/"summary"/"text" member, else compact
// JSON. Returns "(no log entries)" when there are none.
std::string BuildPauseSummary(const std::vector<LogEntry>& entries, size_t max_chars);

// A one-line summary of a terminal's last `lines` (oldest first): blank
// lines dropped, runs of spaces squeezed, lines joined with " | ", at most
// `max_chars` code points, keeping the newest text when it must cut.
std::string BuildPaneSummary(const std::vector<std::string>& lines, size_t max_chars);

// Cuts `s` to at most `max_chars` UTF-8 code points, keeping its start.
std::string TruncateUtf8(const std::string& s, size_t max_chars);

// Number of UTF-8 code points in `s`.
size_t Utf8Length(const std::string& s);

}  // namespace roster

// summary.cc — pause summaries and UTF-8-safe truncation.
#include "core/summary.h"

namespace roster {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string EntryText(const LogEntry& e) {
  if (e.body.is_string()) return std::string(e.body.as_string());
  if (const auto* obj = e.body.if_object()) {
    for (const char* k : {"message", "prompt", "summary", "text"}) {
      if (auto* v = obj->if_contains(k); v && v->is_string()) return std::string(v->as_string());
    }
  }
  return json::serialize(e.body);
}

// Keeps the last `max_chars` code points of `s`.
std::string KeepTail(const std::string& s, size_t max_chars) {
  size_t len = Utf8Length(s);
  if (len <= max_chars) return s;
  size_t skip = len - max_chars, cp = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsContinuation(static_cast<unsigned char>(s[i]))) continue;
    if (cp == skip) return s.substr(i);
    ++cp;
  }
  return std::string();
}

}  // namespace

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += IsContinuation(c) ? 0 : 1;
  return n;
}

std::string TruncateUtf8(const std::string& s, size_t max_chars) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsContinuation(static_cast<unsigned char>(s[i]))) continue;
    if (count == max_chars) return s.substr(0, i);
    ++count;
  }
  return s;
}

std::string BuildPauseSummary(const std::vector<LogEntry>& entries, size_t max_chars) {
  if (entries.empty()) return TruncateUtf8("(no log entries)", max_chars);
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += " | ";
    out += e.kind + ": " + EntryText(e);
  }
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return KeepTail(out, max_chars);
}

std::string BuildPaneSummary(const std::vector<std::string>& lines, size_t max_chars) {
  std::string out;
  for (const auto& line : lines) {
    // Runs of spaces (a terminal's alignment) become one.
    std::string text;
    for (char c : line) {
      if (c == '\t' || c == '\r') c = ' ';
      if (c == ' ' && (text.empty() || text.back() == ' ')) continue;
      text += c;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.empty()) continue;
    if (!out.empty()) out += " | ";
    out += text;
  }
  if (out.empty()) return TruncateUtf8("(empty pane)", max_chars);
  return KeepTail(out, max_chars);
}

}  // namespace roster

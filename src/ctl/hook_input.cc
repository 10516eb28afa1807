// hook_input.cc — reading and parsing a hook payload (see hook_input.h).
#include "ctl/hook_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace roster::ctl {

namespace json = boost::json;

std::string StringField(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

namespace {

// The JSON string value of the first `"key":` in `text`, or "" — for a
// payload cut at the limit, which cannot be parsed as a whole.
std::string ScanStringField(const std::string& text, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  for (size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
    size_t p = at + quoted.size();
    while (p < text.size() && (text[p] == ' ' || text[p] == '\n' || text[p] == '\t')) ++p;
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\n' || text[p] == '\t')) ++p;
    if (p >= text.size() || text[p] != '"') continue;
    size_t end = p + 1;
    while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
    if (end >= text.size()) return "";
    boost::system::error_code ec;
    json::value v = json::parse(std::string_view(text).substr(p, end - p + 1), ec);
    return !ec && v.is_string() ? std::string(v.as_string()) : std::string();
  }
  return "";
}

}  // namespace

Result<HookPayload> ParseHookPayload(const std::string& data, size_t total_bytes) {
  HookPayload h;
  h.bytes = total_bytes;
  if (total_bytes > data.size()) {
    h.oversized = true;
    h.session_id = ScanStringField(data, "session_id");
    h.event = ScanStringField(data, "hook_event_name");
    h.cwd = ScanStringField(data, "cwd");
  } else {
    boost::system::error_code ec;
    json::value doc = json::parse(data, ec);
    if (ec || !doc.is_object()) return Status::InvalidParams("stdin is not a JSON object");
    h.fields = std::move(doc.as_object());
    h.session_id = StringField(h.fields, "session_id");
    h.event = StringField(h.fields, "hook_event_name");
    h.cwd = StringField(h.fields, "cwd");
  }
  if (h.session_id.empty() || h.event.empty()) {
    return Status::InvalidParams("payload lacks session_id or hook_event_name");
  }
  return h;
}

Result<HookPayload> ReadHookPayload(std::chrono::steady_clock::time_point deadline) {
  std::string data;
  size_t total = 0;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{0, POLLIN, 0};
    const int rc = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return Status::Unavailable("no complete hook payload on stdin in time");
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable("cannot read the hook payload from stdin");
    if (n == 0) break;
    total += static_cast<size_t>(n);
    if (data.size() < kMaxHookPayload) {
      data.append(buf, std::min(static_cast<size_t>(n), kMaxHookPayload - data.size()));
    }
  }
  return ParseHookPayload(data, total);
}

}  // namespace roster::ctl

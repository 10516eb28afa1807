// relay_line.cc — reading the ids and watch facts of relayed lines (see
// relay_line.h).
#include "cluster/relay_line.h"

#include <charconv>

namespace roster::cluster {

namespace json = boost::json;

namespace {

constexpr std::string_view kResponsePrefix = R"({"jsonrpc":"2.0","id":)";
constexpr std::string_view kNotificationPrefix = R"({"jsonrpc":"2.0","method":")";
constexpr std::string_view kWatchIdMember = R"(","params":{"watch_id":)";
constexpr std::string_view kRevMember = R"(,"rev":)";

// The integer at line[*at...]; advances *at past it. -1 when none.
int64_t Integer(std::string_view line, size_t* at, size_t* len = nullptr) {
  int64_t v = -1;
  const char* begin = line.data() + *at;
  auto [end, ec] = std::from_chars(begin, line.data() + line.size(), v);
  if (ec != std::errc()) return -1;
  if (len) *len = static_cast<size_t>(end - begin);
  *at += static_cast<size_t>(end - begin);
  return v;
}

CoreLine Parsed(std::string_view line) {
  CoreLine out;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return out;
  if (v.is_array()) {
    out.kind = CoreLine::Kind::kBatch;
    return out;
  }
  const json::object* o = v.if_object();
  if (!o) return out;
  if (const json::value* m = o->if_contains("method"); m && m->is_string()) {
    out.kind = CoreLine::Kind::kNotification;
    out.method = m->as_string();
    if (const json::value* p = o->if_contains("params"); p && p->is_object()) {
      if (auto* w = p->as_object().if_contains("watch_id"); w && w->is_int64())
        out.watch_id = w->as_int64();
      if (auto* r = p->as_object().if_contains("rev"); r && r->is_int64()) out.rev = r->as_int64();
    }
    return out;
  }
  if (o->contains("result") || o->contains("error")) {
    out.kind = CoreLine::Kind::kResponse;
    out.id_key = IdKey(o->if_contains("id"));
  }
  return out;
}

}  // namespace

std::string IdKey(const json::value* id) {
  if (!id || !(id->is_string() || id->is_int64() || id->is_uint64() || id->is_null()))
    return "null";
  return json::serialize(*id);
}

CoreLine ReadCoreLine(std::string_view line) {
  if (line.starts_with(kResponsePrefix)) {
    size_t at = kResponsePrefix.size();
    size_t end = at;
    if (end < line.size() && line[end] == '"') {  // a string id: to its closing quote
      for (++end; end < line.size() && line[end] != '"'; ++end) {
        if (line[end] == '\\') ++end;
      }
      ++end;
    } else {
      while (end < line.size() && line[end] != ',') ++end;
    }
    const std::string_view rest = line.substr(std::min(end, line.size()));
    if (rest.starts_with(R"(,"result":)") || rest.starts_with(R"(,"error":)")) {
      boost::system::error_code ec;
      json::value id = json::parse(line.substr(at, end - at), ec);
      if (!ec) {
        CoreLine out;
        out.kind = CoreLine::Kind::kResponse;
        out.id_key = IdKey(&id);
        return out;
      }
    }
  } else if (line.starts_with(kNotificationPrefix)) {
    const size_t name = kNotificationPrefix.size();
    const size_t quote = line.find('"', name);
    if (quote != std::string_view::npos && line.substr(quote).starts_with(kWatchIdMember)) {
      CoreLine out;
      out.kind = CoreLine::Kind::kNotification;
      out.method = line.substr(name, quote - name);
      size_t at = quote + kWatchIdMember.size();
      out.watch_id_at = at;
      out.watch_id = Integer(line, &at, &out.watch_id_len);
      if (out.watch_id >= 0 && line.substr(at).starts_with(kRevMember)) {
        at += kRevMember.size();
        out.rev = Integer(line, &at);
      }
      if (out.watch_id >= 0) return out;
    }
  }
  return Parsed(line);
}

std::string WithWatchId(std::string_view line, const CoreLine& read, int64_t id) {
  if (read.watch_id_len > 0) {
    std::string out(line.substr(0, read.watch_id_at));
    out += std::to_string(id);
    out += line.substr(read.watch_id_at + read.watch_id_len);
    return out;
  }
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::string(line);
  if (json::value* p = v.as_object().if_contains("params"); p && p->is_object())
    p->as_object()["watch_id"] = id;
  return json::serialize(v);
}

}  // namespace roster::cluster

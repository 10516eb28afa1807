// config.cc — defaults, the JSON config file and flags, checked through the
// settings table (settings.h).
#include "daemon/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "daemon/host_id.h"
#include "daemon/settings.h"
#include "util/paths.h"

namespace roster::daemon {

namespace json = boost::json;

DaemonConfig DefaultConfig() {
  DaemonConfig c;
  c.db_path = DefaultDbPath();
  c.data_dir = DefaultDqliteDir();
  c.socket_path = DefaultSocketPath();
  c.registry.host.clear();  // the machine's, unless set (ResolveHost)
  return c;
}

namespace {

std::string Quoted(const std::string& s) { return json::serialize(json::string(s)); }

// What `s` accepts, for messages: "an integer between 1 and 65536".
std::string Accepts(const Setting& s) {
  switch (s.type) {
    case Setting::Type::kInt:
      return "an integer between " + std::to_string(s.min) + " and " + std::to_string(s.max);
    case Setting::Type::kChoice:
      return RangeText(s, /*markdown=*/false);
    case Setting::Type::kText:
      if (!s.text_rule.empty()) return std::string(s.text_rule);
      return "a string of " + std::to_string(s.min) + " to " + std::to_string(s.max) + " bytes";
  }
  return "";
}

// Checks `value` against row `s` and stores it; `what` names the source in
// messages ("config.max_write_batch", "--sync").
Status Apply(const Setting& s, const json::value& value, const std::string& what, DaemonConfig* c) {
  if (s.type == Setting::Type::kInt) {
    auto v = json::try_value_to<int64_t>(value);
    if (!v || value.is_double() || value.is_bool()) {
      return Status::InvalidParams(what + " must be " + Accepts(s) + " (got " +
                                   json::serialize(value) + ")");
    }
    if (*v < s.min || *v > s.max) {
      return Status::InvalidParams(what + " is " + std::to_string(*v) + "; it must be " +
                                   Accepts(s));
    }
    s.set_int(*c, *v);
    return Status::Ok();
  }
  if (!value.is_string()) {
    return Status::InvalidParams(what + " must be " + Accepts(s) + " (got " +
                                 json::serialize(value) + ")");
  }
  std::string text(value.as_string());
  const bool ok = s.type == Setting::Type::kChoice
                      ? std::find(s.choices.begin(), s.choices.end(), text) != s.choices.end()
                      : static_cast<int64_t>(text.size()) >= s.min &&
                            static_cast<int64_t>(text.size()) <= s.max &&
                            (!s.text_ok || s.text_ok(text));
  if (!ok) {
    std::string got = s.type == Setting::Type::kChoice || text.size() <= 64
                          ? Quoted(text)
                          : std::to_string(text.size()) + " bytes long";
    return Status::InvalidParams(what + " is " + got + "; it must be " + Accepts(s));
  }
  s.set_text(*c, std::move(text));
  return Status::Ok();
}

}  // namespace

Status LoadConfigFile(const std::string& path, DaemonConfig* c) {
  std::ifstream in(path);
  if (!in) return Status::InvalidParams("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(ss.str(), ec);
  if (ec || !doc.is_object()) {
    return Status::InvalidParams("config file " + path + " must hold one JSON object");
  }
  DaemonConfig loaded = *c;  // all or nothing
  for (const auto& [key, value] : doc.as_object()) {
    const std::string what = "config." + std::string(key);
    const Setting* s = FindSetting(key);
    if (!s) {
      return Status::InvalidParams(what + " is not a known setting (see README, Configuration)");
    }
    ROSTER_RETURN_IF_ERROR(Apply(*s, value, what, &loaded));
  }
  *c = std::move(loaded);
  return Status::Ok();
}

Status ApplyFlag(const std::string& key, const std::string& flag, const std::string& value,
                 DaemonConfig* c) {
  const Setting* s = FindSetting(key);
  if (!s) return Status::Internal("no setting " + key);
  if (s->type == Setting::Type::kInt) {
    int64_t v = 0;
    size_t used = 0;
    try {
      v = std::stoll(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size()) {
      return Status::InvalidParams(flag + " must be " + Accepts(*s) + " (got " + Quoted(value) +
                                   ")");
    }
    return Apply(*s, json::value(v), flag, c);
  }
  return Apply(*s, json::value(value), flag, c);
}

namespace {

// "a.b.c.d:port", numeric: what a dqlite 1.11 node binds.
bool IsIpv4Address(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  in_addr ip{};
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &ip) != 1) return false;
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int n = std::stoi(port);
  return n >= 1 && n <= 65535;
}

}  // namespace

Status CheckConfig(const DaemonConfig& c) {
  if (c.engine == "dqlite") {
    if (!IsIpv4Address(c.cluster)) {
      return Status::InvalidParams("config.cluster is " + Quoted(c.cluster) +
                                   "; it must be a numeric IPv4 address and port, e.g. "
                                   "127.0.0.1:9001 (what a dqlite 1.11 node binds)");
    }
    if (!c.join.empty() && !IsIpv4Address(c.join)) {
      return Status::InvalidParams("config.join is " + Quoted(c.join) +
                                   "; it must be another member's --cluster address, a numeric "
                                   "IPv4 address and port, e.g. 127.0.0.1:9001");
    }
    if (c.join == c.cluster) {
      return Status::InvalidParams("config.join is this member's own --cluster address (" +
                                   c.cluster + "); name another member's");
    }
    if (c.sync == store::SyncMode::kNormal) {
      return Status::InvalidParams(
          "config.sync is \"normal\", which the dqlite engine does not have: its commits are "
          "in the Raft log on disk before they return (leave sync out)");
    }
  } else if (!c.join.empty()) {
    return Status::InvalidParams(
        "config.join needs the dqlite engine (--engine dqlite): the file engine is one machine's");
  }
  for (const auto& [key, ttl] : {std::pair{"default_ttl_ms", c.registry.default_ttl_ms},
                                 std::pair{"hook_ttl_ms", c.registry.hook_ttl_ms}}) {
    if (ttl > c.registry.max_ttl_ms) {
      return Status::InvalidParams("config." + std::string(key) + " (" + std::to_string(ttl) +
                                   ") must not exceed max_ttl_ms (" +
                                   std::to_string(c.registry.max_ttl_ms) + ")");
    }
  }
  return Status::Ok();
}

std::string ResolveHost(DaemonConfig* c) {
  if (!c->registry.host.empty()) return "";
  DefaultHost d = DefaultHostName();
  c->registry.host = std::move(d.name);
  return d.warning;
}

json::object LimitsJson(const DaemonConfig& c) {
  json::object out;
  for (const auto& s : Settings()) {
    if (s.reported) out[s.key] = s.get_int(c);
  }
  return out;
}

store::EngineOptions EngineOptionsFor(const DaemonConfig& c) {
  return store::EngineOptions{.engine = c.engine,
                              .db_path = c.db_path,
                              .sync = c.sync,
                              .wal_truncate_bytes = c.wal_truncate_bytes,
                              .always_check = c.startup_check == "always",
                              .cluster = c.cluster,
                              .data_dir = c.data_dir,
                              .node_id = c.node_id,
                              .registry = c.registry};
}

int64_t ChangesMaxRows(const DaemonConfig& c) {
  if (c.changes_max_rows > 0) return c.changes_max_rows;
  return c.engine == "dqlite" ? 100'000 : 1'000'000;
}

int64_t LogMaxRows(const DaemonConfig& c) {
  if (c.log_max_rows > 0) return c.log_max_rows;
  return c.engine == "dqlite" ? 100'000 : std::numeric_limits<int64_t>::max();
}

}  // namespace roster::daemon

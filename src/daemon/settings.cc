// settings.cc — the table of rosterd's settings (see settings.h). One row per
// key; the README's configuration table is checked against it by a test
// (Readme.ConfigurationTableMatchesTheSettings).
#include "daemon/settings.h"

#include <type_traits>

#include "daemon/host_id.h"
#include "daemon/startup_paths.h"
#include "util/deadlines.h"

namespace roster::daemon {

namespace {

constexpr bool kReported = true;  // in status.limits
constexpr bool kNotReported = false;
constexpr int64_t kDay = 86'400'000;        // ms
constexpr int64_t kTenYears = 3650 * kDay;  // ms
constexpr int64_t kMiB = 1 << 20;

// A row for an integer field; `field` maps a (const) DaemonConfig to it.
template <typename F>
Setting Int(std::string_view key, int64_t min, int64_t max, bool reported, F field,
            std::string_view default_doc = {}) {
  Setting s;
  s.key = key;
  s.default_doc = default_doc;
  s.type = Setting::Type::kInt;
  s.min = min;
  s.max = max;
  s.reported = reported;
  s.get_int = [field](const DaemonConfig& c) { return static_cast<int64_t>(field(c)); };
  s.set_int = [field](DaemonConfig& c, int64_t v) {
    auto& f = field(c);
    f = static_cast<std::remove_reference_t<decltype(f)>>(v);
  };
  return s;
}

// A row for a string field with `choices` (min/max unused) or a length range.
template <typename F>
Setting Text(std::string_view key, Setting::Type type, int64_t min_bytes, int64_t max_bytes,
             std::vector<std::string_view> choices, F field, std::string_view default_doc = {}) {
  Setting s;
  s.key = key;
  s.type = type;
  s.min = min_bytes;
  s.max = max_bytes;
  s.choices = std::move(choices);
  s.default_doc = default_doc;
  s.get_text = [field](const DaemonConfig& c) { return std::string(field(c)); };
  s.set_text = [field](DaemonConfig& c, std::string v) { field(c) = std::move(v); };
  return s;
}

constexpr auto kChoice = Setting::Type::kChoice;
constexpr auto kText = Setting::Type::kText;

std::vector<Setting> Build() {
  std::vector<Setting> t;
  // Where: the paths. A socket path is bounded by sockaddr_un.sun_path (108
  // bytes with its terminating NUL); a database path by PATH_MAX.
  t.push_back(Text(
      "engine", kChoice, 0, 0, {"file", "dqlite"}, [](auto& c) -> auto& { return c.engine; }));
  t.push_back(Text(
      "db", kText, 1, 4095, {}, [](auto& c) -> auto& { return c.db_path; }, "see above"));
  // dqlite: the node's "a.b.c.d:port" (at most 21 bytes) and its data.
  t.push_back(Text(
      "cluster", kText, 9, 21, {}, [](auto& c) -> auto& { return c.cluster; }));
  t.push_back(Text(
      "data", kText, 1, 4095, {}, [](auto& c) -> auto& { return c.data_dir; }, "see above"));
  // dqlite: the cluster's membership and timing (cluster/member.h).
  t.push_back(Text(
      "join", kText, 0, 21, {}, [](auto& c) -> auto& { return c.join; }, "none"));
  t.push_back(Int(
      "raft_latency_ms", 1, 1000, kNotReported,
      [](auto& c) -> auto& { return c.raft_latency_ms; }));
  t.push_back(Int(
      "role_poll_ms", 10, 10'000, kNotReported, [](auto& c) -> auto& { return c.role_poll_ms; }));
  t.push_back(Text(
      "socket", kText, 1, 107, {}, [](auto& c) -> auto& { return c.socket_path; }, "see above"));
  // The machine: its host name (an empty one is filled in from the machine
  // id at start, daemon/host_id.h) and when another host counts as down.
  Setting host = Text(
      "host", kText, 1, 64, {}, [](auto& c) -> auto& { return c.registry.host; },
      "from the machine id");
  host.text_rule = kHostNameRule;
  host.text_ok = IsValidHostName;
  t.push_back(std::move(host));
  t.push_back(Int(
      "host_timeout_ms", 1000, kDay, kNotReported,
      [](auto& c) -> auto& { return c.registry.host_timeout_ms; }));
  // sync is an enum in the store; its row converts.
  Setting sync;
  sync.key = "sync";
  sync.type = kChoice;
  sync.choices = {"full", "normal"};
  sync.get_text = [](const DaemonConfig& c) {
    return std::string(c.sync == store::SyncMode::kFull ? "full" : "normal");
  };
  sync.set_text = [](DaemonConfig& c, const std::string& v) {
    c.sync = v == "full" ? store::SyncMode::kFull : store::SyncMode::kNormal;
  };
  t.push_back(std::move(sync));
  t.push_back(Text(
      "log_level", kChoice, 0, 0, {"debug", "info", "warn", "error"},
      [](auto& c) -> auto& { return c.log_level; }));
  t.push_back(Text(
      "startup_check", kChoice, 0, 0, {"auto", "always"},
      [](auto& c) -> auto& { return c.startup_check; }));
  t.push_back(Int(
      "reader_threads", 1, 64, kNotReported, [](auto& c) -> auto& { return c.reader_threads; }));
  // Connections and requests.
  t.push_back(Int(
      "max_line_bytes", 1024, 1024 * kMiB, kReported,
      [](auto& c) -> auto& { return c.limits.max_line_bytes; }));
  t.push_back(Int(
      "max_json_depth", 2, 512, kReported,
      [](auto& c) -> auto& { return c.limits.max_json_depth; }));
  t.push_back(Int(
      "max_connections", 1, 1'000'000, kReported,
      [](auto& c) -> auto& { return c.limits.max_connections; }));
  t.push_back(Int(
      "max_subscribers", 1, 1'000'000, kReported,
      [](auto& c) -> auto& { return c.limits.max_subscribers; }));
  t.push_back(Int(
      "idle_timeout_ms", 0, 7 * kDay, kReported,
      [](auto& c) -> auto& { return c.limits.idle_timeout_ms; }));
  t.push_back(Int(
      "request_timeout_ms", 100, 600'000, kReported,
      [](auto& c) -> auto& { return c.limits.request_timeout_ms; }));
  t.push_back(Int(
      "subscriber_queue", 1, 10'000'000, kReported,
      [](auto& c) -> auto& { return c.limits.subscriber_queue; }));
  t.push_back(Int(
      "max_write_batch", 1, 65'536, kReported,
      [](auto& c) -> auto& { return c.limits.max_write_batch; }));
  t.push_back(Int(
      "group_commit_wait_us", 0, 100'000, kReported,
      [](auto& c) -> auto& { return c.limits.group_commit_wait_us; }));
  t.push_back(Int(
      "write_timeout_ms", 100, kMaxWriteWaitMs, kReported,
      [](auto& c) -> auto& { return c.limits.write_timeout_ms; }));
  t.push_back(Int(
      "shutdown_grace_ms", 0, 60'000, kReported,
      [](auto& c) -> auto& { return c.limits.shutdown_grace_ms; }));
  // The registry's rules.
  t.push_back(Int(
      "max_live_sessions", 1, 100'000'000, kReported,
      [](auto& c) -> auto& { return c.registry.max_live_sessions; }));
  t.push_back(Int(
      "max_field_bytes", 128, kMiB, kReported,
      [](auto& c) -> auto& { return c.registry.max_field_bytes; }));
  t.push_back(Int(
      "max_meta_bytes", 2, 16 * kMiB, kReported,
      [](auto& c) -> auto& { return c.registry.max_meta_bytes; }));
  t.push_back(Int(
      "max_body_bytes", 1, 64 * kMiB, kReported,
      [](auto& c) -> auto& { return c.registry.max_body_bytes; }));
  t.push_back(Int(
      "default_ttl_ms", 1, kTenYears, kReported,
      [](auto& c) -> auto& { return c.registry.default_ttl_ms; }));
  t.push_back(Int(
      "hook_ttl_ms", 1, kTenYears, kReported,
      [](auto& c) -> auto& { return c.registry.hook_ttl_ms; }));
  t.push_back(Int(
      "max_ttl_ms", 1, kTenYears, kReported,
      [](auto& c) -> auto& { return c.registry.max_ttl_ms; }));
  t.push_back(Text(
      "compose_marker", kText, 1, 255, {},
      [](auto& c) -> auto& { return c.registry.compose_marker; }));
  // The cleanup strand and the feed.
  t.push_back(Int(
      "cleanup_interval_ms", 10, 3'600'000, kNotReported,
      [](auto& c) -> auto& { return c.cleanup_interval_ms; }));
  t.push_back(Int(
      "cleanup_batch", 1, 100'000, kNotReported, [](auto& c) -> auto& { return c.cleanup_batch; }));
  t.push_back(Int(
      "branch_interval_ms", 0, 3'600'000, kNotReported,
      [](auto& c) -> auto& { return c.branch_interval_ms; }));
  t.push_back(Int(
      "purge_after_ms", 0, kTenYears, kNotReported,
      [](auto& c) -> auto& { return c.purge_after_ms; }));
  t.push_back(Int(
      "log_retention_ms", 0, kTenYears, kNotReported,
      [](auto& c) -> auto& { return c.log_retention_ms; }));
  t.push_back(Int(
      "log_max_rows", 0, 1'000'000'000, kNotReported,
      [](auto& c) -> auto& { return c.log_max_rows; }, "0 (file: no bound; dqlite: 100000)"));
  t.push_back(Int(
      "changes_retention_ms", 0, kTenYears, kNotReported,
      [](auto& c) -> auto& { return c.changes_retention_ms; }));
  t.push_back(Int(
      "changes_max_rows", 0, 1'000'000'000, kNotReported,
      [](auto& c) -> auto& { return c.changes_max_rows; }, "0 (file: 1000000; dqlite: 100000)"));
  t.push_back(Int(
      "request_key_retention_ms", 0, kTenYears, kNotReported,
      [](auto& c) -> auto& { return c.request_key_retention_ms; }));
  t.push_back(Int(
      "request_keys_max_rows", 1, 1'000'000'000, kNotReported,
      [](auto& c) -> auto& { return c.request_keys_max_rows; }));
  t.push_back(Int(
      "wal_truncate_bytes", 0, 1LL << 40, kNotReported,
      [](auto& c) -> auto& { return c.wal_truncate_bytes; }));
  t.push_back(Int(
      "progress_interval_ms", 0, 3'600'000, kNotReported,
      [](auto& c) -> auto& { return c.progress_interval_ms; }));
  t.push_back(Int(
      "notify_poll_ms", 1, 60'000, kNotReported,
      [](auto& c) -> auto& { return c.notify_poll_ms; }));
  // The cluster's transport: its secret, TLS between members, the relay.
  for (auto [key, field] : {std::pair{"cluster_secret_file", &DaemonConfig::cluster_secret_file},
                            std::pair{"cluster_tls_cert", &DaemonConfig::cluster_tls_cert},
                            std::pair{"cluster_tls_key", &DaemonConfig::cluster_tls_key},
                            std::pair{"cluster_tls_ca", &DaemonConfig::cluster_tls_ca}}) {
    t.push_back(Text(
        key, kText, 1, 4095, {}, [field](auto& c) -> auto& { return c.*field; }, "none"));
  }
  t.push_back(Int(
      "relay_wait_ms", 0, 60'000, kNotReported, [](auto& c) -> auto& { return c.relay_wait_ms; }));
  return t;
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kTable = Build();
  return kTable;
}

const Setting* FindSetting(std::string_view key) {
  for (const auto& s : Settings()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string RangeText(const Setting& s, bool markdown) {
  const std::string quote = markdown ? "`" : "";
  switch (s.type) {
    case Setting::Type::kInt:
      return std::to_string(s.min) + ".." + std::to_string(s.max);
    case Setting::Type::kChoice: {
      std::string out;
      for (size_t i = 0; i < s.choices.size(); ++i) {
        out += i == 0 ? "" : (i + 1 == s.choices.size() ? " or " : ", ");
        out += quote + std::string(s.choices[i]) + quote;
      }
      return out;
    }
    case Setting::Type::kText:
      if (!s.text_rule.empty()) return std::string(s.text_rule);
      return std::to_string(s.min) + ".." + std::to_string(s.max) + " bytes";
  }
  return "";
}

std::string DefaultText(const Setting& s) {
  if (!s.default_doc.empty()) return std::string(s.default_doc);
  const DaemonConfig defaults;
  if (s.type == Setting::Type::kInt) return std::to_string(s.get_int(defaults));
  return "`" + s.get_text(defaults) + "`";
}

}  // namespace roster::daemon

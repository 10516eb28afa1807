// config.cc — defaults and the JSON config file.
#include "daemon/config.h"

#include <fstream>
#include <sstream>

#include "daemon/params.h"
#include "util/paths.h"

namespace roster::daemon {

namespace json = boost::json;

DaemonConfig DefaultConfig() {
  DaemonConfig c;
  c.db_path = DefaultDbPath();
  c.socket_path = DefaultSocketPath();
  return c;
}

template <typename T>
static void Take(ParamReader& r, const char* key, T* field) {
  if (auto v = r.Optional<T>(key)) *field = static_cast<T>(*v);
}

static void TakeInt(ParamReader& r, const char* key, int* field) {
  if (auto v = r.Optional<int64_t>(key)) *field = static_cast<int>(*v);
}

static void TakeSize(ParamReader& r, const char* key, size_t* field) {
  if (auto v = r.Optional<int64_t>(key); v && *v >= 0) *field = static_cast<size_t>(*v);
}

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
  ParamReader r(doc.as_object(), "config");
  Take(r, "db", &c->db_path);
  Take(r, "socket", &c->socket_path);
  if (auto sync = r.Optional<std::string>("sync")) {
    if (*sync != "full" && *sync != "normal")
      return Status::InvalidParams("config.sync must be full or normal");
    c->sync = *sync == "full" ? store::SyncMode::kFull : store::SyncMode::kNormal;
  }
  Take(r, "log_level", &c->log_level);
  Take(r, "startup_check", &c->startup_check);
  if (c->startup_check != "auto" && c->startup_check != "always")
    return Status::InvalidParams("config.startup_check must be auto or always");
  TakeInt(r, "reader_threads", &c->reader_threads);
  TakeSize(r, "max_line_bytes", &c->limits.max_line_bytes);
  TakeInt(r, "max_json_depth", &c->limits.max_json_depth);
  TakeInt(r, "max_connections", &c->limits.max_connections);
  TakeInt(r, "max_subscribers", &c->limits.max_subscribers);
  Take(r, "idle_timeout_ms", &c->limits.idle_timeout_ms);
  TakeSize(r, "subscriber_queue", &c->limits.subscriber_queue);
  TakeSize(r, "max_write_batch", &c->limits.max_write_batch);
  Take(r, "group_commit_wait_us", &c->limits.group_commit_wait_us);
  Take(r, "cleanup_interval_ms", &c->cleanup_interval_ms);
  Take(r, "cleanup_batch", &c->cleanup_batch);
  Take(r, "purge_after_ms", &c->purge_after_ms);
  Take(r, "log_retention_ms", &c->log_retention_ms);
  Take(r, "changes_retention_ms", &c->changes_retention_ms);
  Take(r, "changes_max_rows", &c->changes_max_rows);
  Take(r, "wal_truncate_bytes", &c->wal_truncate_bytes);
  Take(r, "progress_interval_ms", &c->progress_interval_ms);
  Take(r, "notify_poll_ms", &c->notify_poll_ms);
  Take(r, "default_ttl_ms", &c->registry.default_ttl_ms);
  Take(r, "max_ttl_ms", &c->registry.max_ttl_ms);
  Take(r, "max_live_sessions", &c->registry.max_live_sessions);
  TakeSize(r, "max_field_bytes", &c->registry.max_field_bytes);
  TakeSize(r, "max_meta_bytes", &c->registry.max_meta_bytes);
  TakeSize(r, "max_body_bytes", &c->registry.max_body_bytes);
  Take(r, "compose_marker", &c->registry.compose_marker);
  return r.Finish();
}

json::object LimitsJson(const DaemonConfig& c) {
  return json::object{
      {"max_line_bytes", c.limits.max_line_bytes},
      {"max_json_depth", c.limits.max_json_depth},
      {"max_connections", c.limits.max_connections},
      {"max_subscribers", c.limits.max_subscribers},
      {"idle_timeout_ms", c.limits.idle_timeout_ms},
      {"subscriber_queue", c.limits.subscriber_queue},
      {"max_write_batch", c.limits.max_write_batch},
      {"group_commit_wait_us", c.limits.group_commit_wait_us},
      {"max_live_sessions", c.registry.max_live_sessions},
      {"max_field_bytes", c.registry.max_field_bytes},
      {"max_meta_bytes", c.registry.max_meta_bytes},
      {"max_body_bytes", c.registry.max_body_bytes},
      {"max_ttl_ms", c.registry.max_ttl_ms},
      {"default_ttl_ms", c.registry.default_ttl_ms},
  };
}

}  // namespace roster::daemon

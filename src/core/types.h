// types.h — Roster's domain values: sessions, pauses, teams, log entries and
// change-feed rows, plus the parameter structs of the write operations.
//
// These are plain values with no behaviour beyond JSON conversion (the shapes
// are the API's, docs/api.md: Values). Safe to copy between threads.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roster {

namespace json = boost::json;

// The open pause of a session, as shown inside Session.
struct OpenPause {
  int64_t paused_at = 0;
  std::string summary;
  std::optional<std::string> note;
};

struct Session {
  std::string id;
  std::string name;
  // The machine it runs on: the host of the rosterd that registered it (null
  // until a rosterd claims a row written without one).
  std::optional<std::string> host;
  std::string root;
  std::optional<std::string> branch;  // git branch of root; "detached:<sha7>" when detached
  std::optional<int64_t> pid;
  std::optional<std::string> tmux_session;
  std::optional<std::string> tmux_pane;    // e.g. "%3"
  std::optional<std::string> tmux_socket;  // the tmux server's socket path
  std::string status;                      // active | idle | paused | stopped | stale
  std::optional<std::string> status_reason;
  std::optional<std::string> activity;  // working | waiting_input | waiting_permission
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t last_seen = 0;  // the last contact
  int64_t ttl_ms = 0;
  std::optional<int64_t> grace_until;  // restart grace: no TTL expiry before it
  json::object meta;
  std::optional<OpenPause> pause;
  // Derived when read, not stored: its host is another one, whose rosterd has
  // not written its heartbeat for host_timeout_ms. Nobody then judges the
  // session (its pid, tmux and TTL belong to that host).
  bool unreachable = false;

  // When the TTL ends the session; nullopt when it has a pid (its process's
  // exit ends it, not a TTL).
  std::optional<int64_t> expires_at() const {
    return ExpiresAt(pid, last_seen, ttl_ms, grace_until);
  }

  static std::optional<int64_t> ExpiresAt(const std::optional<int64_t>& pid, int64_t last_seen,
                                          int64_t ttl_ms, const std::optional<int64_t>& grace) {
    if (pid) return std::nullopt;
    return std::max(last_seen + ttl_ms, grace.value_or(0));
  }
};

// What an agent is doing, as hooks report it.
inline constexpr const char* kActivities[] = {"working", "waiting_input", "waiting_permission"};
// The live status an activity implies: working -> active, waiting -> idle.
inline const char* StatusForActivity(const std::string& activity) {
  return activity == "working" ? "active" : "idle";
}

// One row of the pause history.
struct Pause {
  int64_t paused_at = 0;
  std::optional<int64_t> resumed_at;
  std::string summary;
  std::optional<std::string> note;
  std::optional<std::string> ended_by;  // resume | stop (null while open)
  std::optional<std::string> host;      // the session's host when it was paused
};

struct Team {
  std::string project_id;
  std::string root;
  std::optional<std::string> host;  // where it was brought up (whose rosterd checks its root)
  std::string tmux_prefix;
  std::vector<std::string> agents;  // sorted
  int64_t started_at = 0;
  int64_t updated_at = 0;
};

struct RosterEntry {
  std::string project_id;
  std::string agent;
  std::string tmux_session;  // {tmux_prefix}{project_id}-{agent}
};

struct LogEntry {
  int64_t seq = 0;
  int64_t epoch = 0;
  int64_t ts = 0;
  std::string kind;
  json::value body;
};

// One row of the change feed. `data` is the row image as JSON text.
struct Change {
  int64_t rev = 0;
  int64_t ts = 0;
  std::string entity;  // an Entity's name (core/entities.h)
  std::string op;      // insert | update | delete (snapshot rows: snapshot)
  std::string key;
  std::optional<std::string> session_id;
  std::string data;
};

// ---- parameters of write operations (absent = leave as is / default) ----

struct RegisterParams {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> root;
  std::optional<int64_t> pid;
  std::optional<std::string> tmux_session;
  std::optional<int64_t> ttl_ms;
  std::optional<json::object> meta;
  std::optional<std::string> tmux_pane;
  std::optional<std::string> tmux_socket;
  std::optional<std::string> activity;
  // Registered by an agent hook: without ttl_ms the session gets the hook TTL
  // (RegistryOptions::hook_ttl_ms), which applies while it has no pid.
  bool hook = false;
  // The machine the session runs on (a host name: daemon/host_id.h); absent:
  // the registry's own host. A cluster member's front names its own.
  std::optional<std::string> host;
  // The git branch of `root`, read by the daemon before the write (not a
  // parameter of the API).
  std::optional<std::string> branch;
};

struct HeartbeatParams {
  std::string session;
  std::optional<json::object> meta;   // JSON merge-patch
  std::optional<std::string> status;  // active | idle (default: what activity implies)
  std::optional<std::string> activity;
};

struct UpdateParams {
  std::string session;
  std::optional<std::string> status;  // active | idle (default: what activity implies)
  std::optional<std::string> status_reason;
  std::optional<json::object> meta;  // JSON merge-patch
  std::optional<int64_t> pid;
  std::optional<std::string> root;
  std::optional<std::string> tmux_session;
  std::optional<int64_t> ttl_ms;
  std::optional<std::string> tmux_pane;
  std::optional<std::string> tmux_socket;
  std::optional<std::string> activity;
};

struct ListParams {
  std::vector<std::string> statuses;  // empty = all
  std::optional<std::string> root;
  std::optional<std::string> after;  // name, for paging
  int64_t limit = 0;                 // 0 = no limit
  std::optional<std::string> host;   // only this host's sessions
};

struct HeartbeatResult {
  std::string id;
  std::string status;
  int64_t last_seen = 0;
  std::optional<int64_t> expires_at;  // nullopt: the session's pid decides its life
  int64_t rev = 0;
  std::optional<OpenPause> pause;  // the open pause of a paused session
};

struct PauseResult {
  std::string session_id;
  std::string summary;
  int64_t paused_at = 0;
};

struct ReapResult {
  int64_t reaped = 0;
  std::vector<std::string> sessions;  // names of the removed sessions
  int64_t stopped = 0;                // how many of them were already stopped
};

struct TeamUpParams {
  std::string project_id;
  std::string root;
  std::optional<std::string> tmux_prefix;
  std::vector<std::string> agents;
  // The machine the root is on, as RegisterParams::host.
  std::optional<std::string> host;
};

struct OrphansParams {
  std::string root;
  std::vector<std::string> desired;  // "project:agent"
  std::optional<std::string> project_id;
  bool per_agent = false;
};

struct AppendResult {
  int64_t seq = 0;
  int64_t epoch = 0;
  int64_t rev = 0;
};

struct LogReadParams {
  std::string session;
  int64_t after_seq = 0;
  int64_t limit = 100;
  std::optional<int64_t> epoch;  // default: current
  bool tail = false;             // the newest `limit` entries (still oldest first)
};

struct LogReadResult {
  int64_t epoch = 0;
  std::vector<LogEntry> entries;
};

// JSON shapes of the API (Boost.JSON value_from customisation points).
void tag_invoke(json::value_from_tag, json::value& v, const Session& s);
void tag_invoke(json::value_from_tag, json::value& v, const Pause& p);
void tag_invoke(json::value_from_tag, json::value& v, const Team& t);
void tag_invoke(json::value_from_tag, json::value& v, const RosterEntry& r);
void tag_invoke(json::value_from_tag, json::value& v, const LogEntry& e);
void tag_invoke(json::value_from_tag, json::value& v, const HeartbeatResult& r);
void tag_invoke(json::value_from_tag, json::value& v, const PauseResult& r);
void tag_invoke(json::value_from_tag, json::value& v, const ReapResult& r);
void tag_invoke(json::value_from_tag, json::value& v, const AppendResult& r);
void tag_invoke(json::value_from_tag, json::value& v, const LogReadResult& r);

}  // namespace roster

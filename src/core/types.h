// types.h — Roster's domain values: sessions, pauses, teams, log entries and
// change-feed rows, plus the parameter structs of the write operations.
//
// These are plain values with no behaviour beyond JSON conversion (the shapes
// are the pinned API of shared/DESIGN.md). Safe to copy between threads.
#pragma once

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
  std::string root;
  std::optional<int64_t> pid;
  std::optional<std::string> tmux_session;
  std::string status;  // active | idle | paused | stopped | stale
  std::optional<std::string> status_reason;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t last_seen = 0;
  int64_t ttl_ms = 0;
  json::object meta;
  std::optional<OpenPause> pause;

  int64_t expires_at() const { return last_seen + ttl_ms; }
};

// One row of the pause history.
struct Pause {
  int64_t paused_at = 0;
  std::optional<int64_t> resumed_at;
  std::string summary;
  std::optional<std::string> note;
};

struct Team {
  std::string project_id;
  std::string root;
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
  std::string entity;  // session | pause | team | team_agent | log
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
};

struct HeartbeatParams {
  std::string session;
  std::optional<json::object> meta;   // JSON merge-patch
  std::optional<std::string> status;  // active | idle
};

struct UpdateParams {
  std::string session;
  std::optional<std::string> status;  // active | idle
  std::optional<std::string> status_reason;
  std::optional<json::object> meta;  // JSON merge-patch
  std::optional<int64_t> pid;
  std::optional<std::string> root;
  std::optional<std::string> tmux_session;
  std::optional<int64_t> ttl_ms;
};

struct ListParams {
  std::vector<std::string> statuses;  // empty = all
  std::optional<std::string> root;
  std::optional<std::string> after;  // name, for paging
  int64_t limit = 0;                 // 0 = no limit
};

struct HeartbeatResult {
  std::string id;
  int64_t last_seen = 0;
  int64_t expires_at = 0;
  int64_t rev = 0;
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

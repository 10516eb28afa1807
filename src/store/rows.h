// rows.h — internal to the store layer: the column lists and row readers
// shared by the registry's source files.
#pragma once

#include <optional>
#include <string>

#include "core/types.h"
#include "store/sql.h"

namespace roster::store {

// Session columns plus the open pause (LEFT JOIN), in ReadSession's order.
#define ROSTER_SESSION_SELECT                                                           \
  "SELECT s.id, s.name, s.root, s.pid, s.tmux_session, s.status, s.status_reason, "     \
  "s.created_at, s.updated_at, s.last_seen, s.ttl_ms, s.meta, p.paused_at, p.summary, " \
  "p.note, s.branch, s.tmux_pane, s.tmux_socket, s.activity, s.grace_until, s.host "    \
  "FROM sessions AS s LEFT JOIN pauses AS p ON p.session_id = s.id AND p.resumed_at IS NULL "

// Whether the host in `col` is unreachable, as the text 'true' or 'false':
// it is another host than `me` whose heartbeat (hosts.last_seen) is older
// than `cutoff` (now - host_timeout_ms), or that never wrote one. A session
// without a host is this rosterd's to claim, never unreachable. `col` must
// be qualified by an alias other than `h`, which the subquery's own `hosts`
// takes (a bare `host` would name the subquery's column).
#define ROSTER_UNREACHABLE(col, me, cutoff)                                                 \
  "CASE WHEN " col " IS NULL OR " col " = " me                                              \
  " THEN 'false' "                                                                          \
  "WHEN EXISTS (SELECT 1 FROM hosts AS h WHERE h.host = " col " AND h.last_seen >= " cutoff \
  ") THEN 'false' ELSE 'true' END"

inline std::optional<std::string> OptText(Statement& q, int i) {
  if (q.isColumnNull(i)) return std::nullopt;
  return q.getColumn(i).getString();
}

inline std::optional<int64_t> OptInt(Statement& q, int i) {
  if (q.isColumnNull(i)) return std::nullopt;
  return q.getColumn(i).getInt64();
}

// Parses JSON stored in the database; never throws (invalid text -> null).
inline json::value ParseStoredJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

inline Session ReadSession(Statement& q) {
  Session s;
  s.id = q.getColumn(0).getString();
  s.name = q.getColumn(1).getString();
  s.root = q.getColumn(2).getString();
  s.pid = OptInt(q, 3);
  s.tmux_session = OptText(q, 4);
  s.status = q.getColumn(5).getString();
  s.status_reason = OptText(q, 6);
  s.created_at = q.getColumn(7).getInt64();
  s.updated_at = q.getColumn(8).getInt64();
  s.last_seen = q.getColumn(9).getInt64();
  s.ttl_ms = q.getColumn(10).getInt64();
  if (auto meta = ParseStoredJson(q.getColumn(11).getString()); meta.is_object()) {
    s.meta = std::move(meta.as_object());
  }
  if (!q.isColumnNull(12)) {
    s.pause = OpenPause{q.getColumn(12).getInt64(), q.getColumn(13).getString(), OptText(q, 14)};
  }
  s.branch = OptText(q, 15);
  s.tmux_pane = OptText(q, 16);
  s.tmux_socket = OptText(q, 17);
  s.activity = OptText(q, 18);
  s.grace_until = OptInt(q, 19);
  s.host = OptText(q, 20);
  return s;
}

inline LogEntry ReadLogEntry(Statement& q) {
  return LogEntry{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                  q.getColumn(3).getString(), ParseStoredJson(q.getColumn(4).getString())};
}

inline void BindOpt(Statement& q, int i, const std::optional<std::string>& v) {
  if (v)
    q.bind(i, *v);
  else
    q.bind(i);
}

inline void BindOpt(Statement& q, int i, const std::optional<int64_t>& v) {
  if (v)
    q.bind(i, *v);
  else
    q.bind(i);
}

}  // namespace roster::store

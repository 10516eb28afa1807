// types.cc — JSON shapes of the domain values (docs/api.md: Values).
#include "core/types.h"

namespace roster {
namespace {

template <typename T>
json::value Opt(const std::optional<T>& o) {
  return o ? json::value_from(*o) : json::value(nullptr);
}

json::value PauseJson(const std::optional<OpenPause>& p) {
  if (!p) return nullptr;
  return json::object{{"paused_at", p->paused_at}, {"summary", p->summary}, {"note", Opt(p->note)}};
}

}  // namespace

// The member order is the one the schema's feed_sessions view and triggers use.
void tag_invoke(json::value_from_tag, json::value& v, const Session& s) {
  v = json::object{{"id", s.id},
                   {"name", s.name},
                   {"host", Opt(s.host)},
                   {"root", s.root},
                   {"branch", Opt(s.branch)},
                   {"pid", Opt(s.pid)},
                   {"tmux_session", Opt(s.tmux_session)},
                   {"tmux_pane", Opt(s.tmux_pane)},
                   {"tmux_socket", Opt(s.tmux_socket)},
                   {"status", s.status},
                   {"status_reason", Opt(s.status_reason)},
                   {"activity", Opt(s.activity)},
                   {"created_at", s.created_at},
                   {"updated_at", s.updated_at},
                   {"last_seen", s.last_seen},
                   {"ttl_ms", s.ttl_ms},
                   {"grace_until", Opt(s.grace_until)},
                   {"expires_at", Opt(s.expires_at())},
                   {"meta", s.meta},
                   {"pause", PauseJson(s.pause)},
                   {"unreachable", s.unreachable}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Pause& p) {
  v = json::object{{"paused_at", p.paused_at},    {"resumed_at", Opt(p.resumed_at)},
                   {"summary", p.summary},        {"note", Opt(p.note)},
                   {"ended_by", Opt(p.ended_by)}, {"host", Opt(p.host)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Team& t) {
  v = json::object{{"project_id", t.project_id},
                   {"root", t.root},
                   {"host", Opt(t.host)},
                   {"tmux_prefix", t.tmux_prefix},
                   {"agents", json::value_from(t.agents)},
                   {"started_at", t.started_at},
                   {"updated_at", t.updated_at}};
}

void tag_invoke(json::value_from_tag, json::value& v, const RosterEntry& r) {
  v = json::object{
      {"project_id", r.project_id}, {"agent", r.agent}, {"tmux_session", r.tmux_session}};
}

void tag_invoke(json::value_from_tag, json::value& v, const LogEntry& e) {
  v = json::object{
      {"seq", e.seq}, {"epoch", e.epoch}, {"ts", e.ts}, {"kind", e.kind}, {"body", e.body}};
}

void tag_invoke(json::value_from_tag, json::value& v, const HeartbeatResult& r) {
  v = json::object{{"id", r.id},
                   {"status", r.status},
                   {"last_seen", r.last_seen},
                   {"expires_at", Opt(r.expires_at)},
                   {"rev", r.rev},
                   {"pause", PauseJson(r.pause)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const PauseResult& r) {
  v = json::object{
      {"session_id", r.session_id}, {"summary", r.summary}, {"paused_at", r.paused_at}};
}

void tag_invoke(json::value_from_tag, json::value& v, const ReapResult& r) {
  v = json::object{
      {"reaped", r.reaped}, {"sessions", json::value_from(r.sessions)}, {"stopped", r.stopped}};
}

void tag_invoke(json::value_from_tag, json::value& v, const AppendResult& r) {
  v = json::object{{"seq", r.seq}, {"epoch", r.epoch}, {"rev", r.rev}};
}

void tag_invoke(json::value_from_tag, json::value& v, const LogReadResult& r) {
  v = json::object{{"epoch", r.epoch}, {"entries", json::value_from(r.entries)}};
}

}  // namespace roster

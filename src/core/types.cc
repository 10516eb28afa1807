// types.cc — JSON shapes of the domain values (the pinned API reference).
#include "core/types.h"

namespace roster {
namespace {

template <typename T>
json::value Opt(const std::optional<T>& o) {
  return o ? json::value_from(*o) : json::value(nullptr);
}

}  // namespace

void tag_invoke(json::value_from_tag, json::value& v, const Session& s) {
  json::value pause = nullptr;
  if (s.pause) {
    pause = json::object{{"paused_at", s.pause->paused_at},
                         {"summary", s.pause->summary},
                         {"note", Opt(s.pause->note)}};
  }
  v = json::object{{"id", s.id},
                   {"name", s.name},
                   {"root", s.root},
                   {"pid", Opt(s.pid)},
                   {"tmux_session", Opt(s.tmux_session)},
                   {"status", s.status},
                   {"status_reason", Opt(s.status_reason)},
                   {"created_at", s.created_at},
                   {"updated_at", s.updated_at},
                   {"last_seen", s.last_seen},
                   {"ttl_ms", s.ttl_ms},
                   {"expires_at", s.expires_at()},
                   {"meta", s.meta},
                   {"pause", std::move(pause)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Pause& p) {
  v = json::object{{"paused_at", p.paused_at},
                   {"resumed_at", Opt(p.resumed_at)},
                   {"summary", p.summary},
                   {"note", Opt(p.note)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Team& t) {
  v = json::object{{"project_id", t.project_id},   {"root", t.root},
                   {"tmux_prefix", t.tmux_prefix}, {"agents", json::value_from(t.agents)},
                   {"started_at", t.started_at},   {"updated_at", t.updated_at}};
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
  v = json::object{
      {"id", r.id}, {"last_seen", r.last_seen}, {"expires_at", r.expires_at}, {"rev", r.rev}};
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

// pane_methods.cc — session.send, session.output and session.pause (see
// pane_methods.h).
#include "daemon/pane_methods.h"

#include "core/summary.h"
#include "core/tmux.h"

namespace roster::daemon {

namespace json = boost::json;

namespace {

constexpr size_t kMaxSendBytes = 64 * 1024;
constexpr int64_t kMaxOutputLines = 10'000;
constexpr int kPaneSummaryLines = 50;  // read back for a pause summary (kept: 500 characters)

// The session's pane, or why there is none here. A pane of another host is
// not this machine's tmux server's: %3 here is some other terminal.
Result<TmuxPane> PaneOf(const Session& s, const std::string& here) {
  if (s.host && *s.host != here) {
    return Status::Unavailable("session " + s.name + " runs on host " + *s.host +
                               "; its tmux pane can be reached only from there (this is " + here +
                               ")")
        .With("cause", "other_host")
        .With("host", *s.host);
  }
  if (!s.tmux_pane) {
    return Status::InvalidState("session " + s.name +
                                " has no tmux pane (it was not registered from inside tmux), so "
                                "there is nothing to type into or read from");
  }
  return TmuxPane{s.tmux_socket, *s.tmux_pane};
}

// Text typed as one line: no control characters (a newline would submit a
// partial line; an escape sequence would drive the terminal).
Status CheckTypedText(const std::string& text) {
  if (text.empty()) return Status::InvalidParams("params.text must not be empty");
  if (text.size() > kMaxSendBytes) {
    return Status::InvalidParams("params.text is " + std::to_string(text.size()) +
                                 " bytes; the limit is " + std::to_string(kMaxSendBytes));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidParams(
          "params.text must be one line without control characters (Enter is sent after it)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Call> SessionSend(ParamReader& r) {
  auto session = r.Required<std::string>("session");
  auto text = r.Required<std::string>("text");
  if (Status s = r.Finish(); !s.ok()) return s;
  ROSTER_RETURN_IF_ERROR(CheckTypedText(text));
  Call call;
  call.probe = [session, text](store::Registry& reg) -> Result<ProbeResult> {
    auto s = reg.Get(session);
    if (!s.ok()) return s.status();
    if (s->status == "stopped" || s->status == "stale") {
      return Status::InvalidState("session " + s->name + " is " + s->status +
                                  ": its agent is gone and its pane may now hold something "
                                  "else, so nothing is typed into it");
    }
    auto pane = PaneOf(*s, reg.options().host);
    if (!pane.ok()) return pane.status();
    ROSTER_RETURN_IF_ERROR(TmuxType(*pane, text));
    return ProbeResult(
        json::serialize(json::object{{"session_id", s->id}, {"tmux_pane", pane->pane}}));
  };
  return call;
}

Result<Call> SessionOutput(ParamReader& r) {
  auto session = r.Required<std::string>("session");
  const int64_t lines = r.Optional<int64_t>("lines").value_or(50);
  if (Status s = r.Finish(); !s.ok()) return s;
  if (lines < 1 || lines > kMaxOutputLines) {
    return Status::InvalidParams("params.lines must be between 1 and " +
                                 std::to_string(kMaxOutputLines));
  }
  Call call;
  call.probe = [session, lines](store::Registry& reg) -> Result<ProbeResult> {
    auto s = reg.Get(session);
    if (!s.ok()) return s.status();
    auto pane = PaneOf(*s, reg.options().host);
    if (!pane.ok()) return pane.status();
    auto text = TmuxLastLines(*pane, static_cast<int>(lines));
    if (!text.ok()) return text.status();
    return ProbeResult(json::serialize(json::object{
        {"session_id", s->id}, {"tmux_pane", pane->pane}, {"lines", json::value_from(*text)}}));
  };
  return call;
}

// The summary is the pane's last lines when the session has a pane that can
// be read here, else (no pane, tmux gone, another host's pane) the log's,
// made by the registry.
Result<Call> SessionPause(ParamReader& r) {
  auto session = r.Required<std::string>("session");
  auto note = r.Optional<std::string>("note");
  if (Status s = r.Finish(); !s.ok()) return s;
  Call call;
  call.write = true;
  call.probe = [session, note](store::Registry& reg) -> Result<ProbeResult> {
    std::optional<std::string> summary;
    auto s = reg.Get(session);
    auto pane = s.ok() ? PaneOf(*s, reg.options().host) : Result<TmuxPane>(s.status());
    if (pane.ok() && s->status != "paused" && s->status != "stopped") {
      if (auto lines = TmuxLastLines(*pane, kPaneSummaryLines); lines.ok()) {
        summary = BuildPaneSummary(*lines, reg.options().summary_chars);
      }
    }
    // Errors (unknown, stopped, already paused) come from the write itself.
    return ProbeResult(Op([session, note, summary](store::Registry& w) -> Result<std::string> {
      auto p = w.Pause(session, note, summary);
      if (!p.ok()) return p.status();
      return json::serialize(json::value_from(*p));
    }));
  };
  return call;
}

}  // namespace roster::daemon

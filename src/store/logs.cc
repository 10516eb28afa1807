// logs.cc — per-session log entries: append, read a range, rotate (new epoch).
// seq increases strictly per session; trimming always keeps each session's
// newest entry, so the head (seq, epoch) is read from the table itself.
#include "store/registry_txn.h"
#include "store/rows.h"
#include "store/validate.h"

namespace roster::store {
namespace {

struct Head {
  int64_t seq = 0;
  int64_t epoch = 1;
};

}  // namespace

#define ROSTER_LOG_HEAD \
  "SELECT seq, epoch FROM log_entries WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1"

static Result<AppendResult> AppendAt(Statement& head, Statement& ins, const std::string& id,
                                     int64_t now, bool rotate, const std::string& kind,
                                     const std::string& body) {
  head.bind(1, id);
  Head h;
  if (head.executeStep()) h = {head.getColumn(0).getInt64(), head.getColumn(1).getInt64()};
  AppendResult r{h.seq + 1, h.epoch + (rotate ? 1 : 0), 0};
  ins.bind(1, id);
  ins.bind(2, r.seq);
  ins.bind(3, r.epoch);
  ins.bind(4, now);
  ins.bind(5, kind);
  ins.bind(6, body);
  ins.exec();
  return r;
}

// Most appends name their session by id: one indexed read of its status
// instead of reading and decoding the whole row (7 % of the writer's time in
// the logs benchmark). A name, an unknown or a stopped session goes through
// Resolve, which gives the same answers and errors as before.
Result<std::string> Registry::WritableSessionId(const std::string& session) {
  auto& q = Stmt("SELECT status = 'stopped' FROM sessions WHERE id = ?1");
  q.bind(1, session);
  const bool live_id = q.executeStep() && q.getColumn(0).getInt() == 0;
  q.reset();
  if (live_id) return session;
  auto s = Resolve(session);
  if (!s.ok()) return s.status();
  if (s->status == "stopped") return StoppedError(*s);
  return s->id;
}

Result<AppendResult> Registry::AppendLog(const std::string& session, const std::string& kind,
                                         const json::value& body, bool rotate) {
  ROSTER_RETURN_IF_ERROR(CheckText("kind", kind, 128, false));
  const std::string text = json::serialize(body);  // serialized once: checked, then stored
  ROSTER_RETURN_IF_ERROR(CheckJsonSize("body", text, options_.max_body_bytes));
  return Write<AppendResult>([&]() -> Result<AppendResult> {
    // The session's head comes with its check (when it is named by id, as
    // it mostly is), and the feed's head with the insert.
    auto& head = Stmt(ROSTER_LOG_HEAD);
    head.bind(1, session);
    conn_->Prefetch(head);
    auto id = WritableSessionId(session);
    if (!id.ok()) return id.status();
    auto& insert = Stmt(
        "INSERT INTO log_entries (session_id, seq, epoch, ts, kind, body) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    PrefetchLastRev();
    auto r = AppendAt(head, insert, *id, Now(), rotate, kind, text);
    if (r.ok()) r->rev = LastRev();
    return r;
  });
}

Result<AppendResult> Registry::LogAppend(const std::string& session, const std::string& kind,
                                         const json::value& body) {
  return AppendLog(session, kind, body, /*rotate=*/false);
}

Result<AppendResult> Registry::LogRotate(const std::string& session, const std::string& kind,
                                         const json::value& body) {
  return AppendLog(session, kind, body, /*rotate=*/true);
}

Result<LogReadResult> Registry::LogRead(const LogReadParams& p) {
  if (p.limit < 1 || p.limit > 1000) return Status::InvalidParams("limit must be 1..1000");
  if (p.after_seq < 0) return Status::InvalidParams("after_seq must not be negative");
  return Read<LogReadResult>([&]() -> Result<LogReadResult> {
    auto s = Resolve(p.session);
    if (!s.ok()) return s.status();
    LogReadResult out;
    if (p.epoch) {
      out.epoch = *p.epoch;
    } else {
      auto& head = Stmt(ROSTER_LOG_HEAD);
      head.bind(1, s->id);
      out.epoch = head.executeStep() ? head.getColumn(1).getInt64() : 1;
    }
    // tail: the newest entries, read backwards on the index and put back in order.
    auto& q =
        Stmt(p.tail ? "SELECT * FROM (SELECT seq, epoch, ts, kind, body FROM log_entries "
                      "WHERE session_id = ?1 AND epoch = ?2 AND seq > ?3 "
                      "ORDER BY seq DESC LIMIT ?4) ORDER BY seq"
                    : "SELECT seq, epoch, ts, kind, body FROM log_entries WHERE session_id = ?1 "
                      "AND epoch = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4");
    q.bind(1, s->id);
    q.bind(2, out.epoch);
    q.bind(3, p.after_seq);
    q.bind(4, p.limit);
    while (q.executeStep()) out.entries.push_back(ReadLogEntry(q));
    return out;
  });
}

}  // namespace roster::store

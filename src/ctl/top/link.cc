// link.cc — top's watch, pipelined requests and reconnection.
#include "ctl/top/link.h"

#include <optional>

#include "core/entities.h"

namespace roster::ctl::top {

namespace json = boost::json;

namespace {
constexpr int64_t kRetryMs = 500;       // between two connection attempts
constexpr int kMessagesPerPump = 4096;  // then the console draws and reads keys
}  // namespace

struct Link::Pending {
  std::vector<std::optional<Result<json::value>>> results;
  size_t remaining;
  int64_t sent_ms;
  Done done;

  // Records one request's result; the last one runs the callback.
  void Set(size_t index, Result<json::value> r) {
    results[index] = std::move(r);
    if (--remaining > 0) return;
    Results out;
    for (auto& each : results) out.push_back(std::move(*each));
    done(std::move(out));
  }
};

Link::Link(std::string socket, Model& model) : socket_(std::move(socket)), model_(model) {}
Link::~Link() = default;

int Link::fd() const { return client_ ? client_->fd() : -1; }

Status Link::Start(int64_t now_ms) {
  now_ms_ = now_ms;
  auto c = client::Client::Connect(socket_, 1000);
  if (!c.ok()) return c.status();
  client_ = std::move(c).value();
  Watch(true);
  return Status::Ok();
}

bool Link::Tick(int64_t now_ms) {
  now_ms_ = now_ms;
  if (client_ || now_ms < next_attempt_ms_) return false;
  next_attempt_ms_ = now_ms + kRetryMs;
  auto c = client::Client::Connect(socket_, 1000);
  if (!c.ok()) {
    if (c.status().message() == problem_) return false;
    problem_ = c.status().message();
    return true;
  }
  client_ = std::move(c).value();
  abandoned_id_ = 0;                                // watch ids are per connection
  Watch(!model_.synced() || model_.in_snapshot());  // an interrupted snapshot starts over
  return true;
}

void Link::Watch(bool snapshot) {
  json::object params{{"entities", json::array{kSessionEntity.name, kPauseEntity.name}}};
  if (snapshot) {
    params["snapshot"] = true;
    model_.BeginSnapshot();
  } else {
    params["since"] = model_.rev();
    // A since from another incarnation of the feed (a restore, a lost
    // commit) is refused as compacted, even where its revs look plausible.
    if (!feed_id_.empty()) params["feed_id"] = feed_id_;
  }
  state_ = State::kSyncing;
  watch_id_ = -1;
  Call({{"watch", std::move(params)}}, [this, snapshot](Results r) {
    if (!client_) return;  // the connection was lost meanwhile; Tick starts over
    if (!r[0].ok()) {
      // compacted, whatever its cause (behind the horizon, ahead of the
      // head, another feed): start from a snapshot.
      if (r[0].status().code() == Code::kCompacted) return Watch(true);
      return Lost(r[0].status().message());  // e.g. too many watches: try again later
    }
    const json::object* res = r[0]->if_object();
    const json::value* id = res ? res->if_contains("watch_id") : nullptr;
    if (!id || !id->is_int64()) return Lost("rosterd answered watch without a watch_id");
    watch_id_ = id->as_int64();
    if (const json::value* feed = res->if_contains("feed_id"); feed && feed->is_string())
      feed_id_ = feed->as_string();
    if (snapshot) return;  // live after watch.synced
    state_ = State::kLive;
    problem_.clear();
  });
}

void Link::Call(std::vector<Request> requests, Done done) {
  if (requests.empty()) return done({});
  if (!client_) {
    Results r;
    for (size_t i = 0; i < requests.size(); ++i)
      r.emplace_back(Status::Unavailable(problem_.empty() ? "not connected to rosterd" : problem_));
    return done(std::move(r));
  }
  auto p = std::make_shared<Pending>(Pending{{}, requests.size(), now_ms_, std::move(done)});
  p->results.resize(requests.size());
  json::array batch;
  for (size_t i = 0; i < requests.size(); ++i) {
    const int64_t id = ++next_id_;
    batch.push_back(client::RequestObject(id, requests[i].method, std::move(requests[i].params)));
    pending_[id] = {p, i};
  }
  Status s = batch.size() == 1 ? client_->Post(batch[0]) : client_->Post(batch);
  if (!s.ok()) Lost(s.message());
}

void Link::Complete(const json::value& response) {
  const json::object* o = response.if_object();
  const json::value* id = o ? o->if_contains("id") : nullptr;
  if (!id || !id->is_int64()) return;
  auto it = pending_.find(id->as_int64());
  if (it == pending_.end()) return;
  auto [p, index] = it->second;
  pending_.erase(it);
  if (const json::value* e = o->if_contains("error")) {
    p->Set(index, client::StatusFromError(*e));
  } else if (const json::value* r = o->if_contains("result")) {
    p->Set(index, *r);
  } else {
    p->Set(index, Status::Internal("rosterd sent a response without result"));
  }
}

bool Link::OnNotification(const json::object& note) {
  const json::value* method = note.if_contains("method");
  const json::value* params = note.if_contains("params");
  if (!method || !method->is_string() || !params || !params->is_object()) return false;
  const json::object& p = params->as_object();
  const json::value* wid = p.if_contains("watch_id");
  if (!wid || !wid->is_int64() || wid->as_int64() <= abandoned_id_ ||
      (watch_id_ >= 0 && wid->as_int64() != watch_id_))
    return false;  // a watch this console no longer follows
  const json::value* rev = p.if_contains("rev");
  const int64_t r = rev && rev->is_int64() ? rev->as_int64() : 0;
  if (*method == "watch.event") return model_.Apply(p);
  if (*method == "watch.synced") {
    model_.EndSnapshot(r);
    state_ = State::kLive;
    problem_.clear();
    return true;
  }
  if (*method == "watch.progress") {
    model_.NoteRev(r);
    return false;
  }
  if (*method == "watch.error") {
    abandoned_id_ = wid->as_int64();
    const json::value* reason = p.if_contains("reason");
    if (reason && *reason == "compacted") {
      Watch(true);  // fell behind the compaction horizon: start from a snapshot
    } else {
      const json::value* message = p.if_contains("message");
      Lost(message && message->is_string() ? std::string(message->as_string())
                                           : "rosterd closed the watch");
    }
    return true;
  }
  return false;
}

bool Link::Pump(int64_t now_ms) {
  now_ms_ = now_ms;
  backlog_ = false;
  if (!client_) return false;
  bool changed = false;
  for (int i = 0; i < kMessagesPerPump; ++i) {
    auto m = client_->Next(0);
    if (!m.ok()) {
      Lost(m.status().message());
      return true;
    }
    if (!m->has_value()) return changed;
    const json::value& v = **m;
    if (v.is_array()) {
      for (const auto& e : v.as_array()) Complete(e);
      changed = true;
    } else if (v.is_object() && v.as_object().contains("method")) {
      changed |= OnNotification(v.as_object());
    } else {
      Complete(v);
      changed = true;
    }
    if (!client_) return true;  // a callback lost the connection
  }
  backlog_ = true;
  return changed;
}

void Link::Lost(const std::string& why) {
  client_.reset();
  state_ = State::kDisconnected;
  problem_ = why;
  watch_id_ = -1;
  next_attempt_ms_ = now_ms_ + kRetryMs;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, entry] : pending)
    entry.first->Set(entry.second, Status::Unavailable("lost the connection to rosterd: " + why));
}

int64_t Link::waiting_since() const {
  int64_t oldest = 0;
  for (const auto& [id, entry] : pending_) {
    const int64_t t = entry.first->sent_ms;
    if (oldest == 0 || t < oldest) oldest = t;
  }
  return oldest;
}

}  // namespace roster::ctl::top

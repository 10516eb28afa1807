// relay.cc — one client connection relayed to the primary's core (see
// relay.h). The client side (framing, limits, replies) mirrors
// daemon/connection.cc; the upstream side connects, forwards, and keeps the
// pending requests and the watches that make a change of primary invisible
// but for `unknown_outcome` answers.
#include "cluster/relay.h"

#include "daemon/jsonrpc.h"
#include "util/log.h"

namespace roster::cluster {

namespace json = boost::json;
namespace jsonrpc = daemon::jsonrpc;
using daemon::LineBuffer;

namespace {

constexpr size_t kWriteChunk = 64 * 1024;  // bytes gathered into one write
constexpr size_t kMaxQueued = 1024;        // requests waiting for a primary

const json::value kNull;

// A session or team is on the machine its request comes from: a
// session.register or team.up naming no host gets `host`, this member's (the
// core would record its own; with no host configured, it does). False when
// the request is left as it is.
bool NameHost(std::string_view method, json::object& request, const std::string& host) {
  if (host.empty() || (method != "session.register" && method != "team.up")) return false;
  json::value& params = request["params"];  // absent: an object of its own
  if (params.is_null()) params = json::object();
  if (!params.is_object()) return false;  // the core says what is wrong
  json::value& named = params.as_object()["host"];
  if (!named.is_null()) return false;
  named = host;
  return true;
}

}  // namespace

Relay::Relay(UnixSocket client, Front& front)
    : front_(front),
      config_(front.config()),
      client_(std::move(client)),
      in_(front.config().limits.max_line_bytes),
      idle_(client_.get_executor()),
      request_timer_(client_.get_executor()),
      retry_(client_.get_executor()),
      wait_timer_(client_.get_executor()) {}

void Relay::Start() {
  ArmIdleTimer();
  Connect();  // a client connects to send something: be ready
  ReadClient();
}

// ---- the client side -------------------------------------------------------

void Relay::ReadClient() {
  if (reading_client_ || closed_ || client_eof_ || shutting_down_) return;
  LineBuffer::Next next = LineBuffer::Next::kNeedMore;
  std::string_view line;
  bool framed = false;
  auto paused = [this] { return up_pending_.size() >= kHighWater || queue_.size() >= kMaxQueued; };
  while (!paused() && (next = in_.Pop(&line)) == LineBuffer::Next::kLine) {
    framed = true;
    OnClientLine(line);
    if (closed_ || shutting_down_) return;
  }
  if (paused()) return;  // PumpUpstream and Connected read on
  if (next == LineBuffer::Next::kTooLong) {
    ToClient(jsonrpc::ErrorResponse(
        nullptr, Status::LimitExceeded("request line exceeds max_line_bytes (" +
                                       std::to_string(config_.limits.max_line_bytes) +
                                       " bytes); the connection is closed")));
    shutting_down_ = true;
    watches_.clear();
    MaybeClose();
    return;
  }
  if (!in_.HasPartialLine()) {
    line_since_.reset();
  } else if (framed || !line_since_) {
    line_since_ = Clock::now();
    ArmRequestTimer();
  }
  auto [data, size] = in_.Prepare();
  reading_client_ = true;
  client_.async_read_some(asio::buffer(data, size),
                          [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                            self->reading_client_ = false;
                            if (self->closed_) return;
                            if (ec) {  // end of file: answer what is pending, then close
                              self->client_eof_ = true;
                              self->MaybeClose();
                              return;
                            }
                            self->in_.Commit(n);
                            self->last_activity_ = Clock::now();
                            self->ReadClient();
                          });
}

void Relay::OnClientLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  auto msg = jsonrpc::Parse(line, static_cast<size_t>(config_.limits.max_json_depth));
  if (!msg.ok()) return ToClient(jsonrpc::ErrorResponse(nullptr, msg.error()));
  bool rewritten = false, answered = false;
  auto pending = Track(msg.value(), &rewritten, &answered);
  if (answered) return;
  Send(rewritten ? json::serialize(msg.value()) : std::string(line), pending);
}

std::optional<Relay::PendingIt> Relay::Track(json::value& message, bool* rewritten,
                                             bool* answered) {
  Pending p;
  if (auto* batch = message.if_array()) {
    p.batch = !batch->empty();  // an empty batch is answered with one error
    if (batch->empty()) p.ids.push_back(nullptr), p.keys.push_back("null");
    for (json::value& element : *batch) {
      if (element.is_object()) {
        TrackOne(element, &p, rewritten);
      } else {
        p.ids.push_back(nullptr), p.keys.push_back("null");
      }
    }
  } else if (message.is_object()) {
    if (!TrackOne(message, &p, rewritten)) {
      *answered = true;
      return std::nullopt;
    }
  } else {
    p.ids.push_back(nullptr), p.keys.push_back("null");
  }
  if (p.ids.empty()) return std::nullopt;  // notifications only
  pending_.push_back(std::move(p));
  return std::prev(pending_.end());
}

bool Relay::TrackOne(json::value& request, Pending* p, bool* rewritten) {
  json::object& o = request.as_object();
  const json::value* id = o.if_contains("id");
  const json::value* m = o.if_contains("method");
  const std::string_view method = m && m->is_string() ? std::string_view(m->as_string()) : "";
  if (NameHost(method, o, config_.registry.host)) *rewritten = true;
  json::value* params = o.if_contains("params");
  if (method == "cluster.status" && !p->batch && id && front_.local_status()) {
    // This member's own view: whether it is the primary is the point. It
    // asks the member's node (bounded), off the io thread; the answer may
    // overtake earlier requests' (JSON-RPC matches answers by id).
    front_.local_status()([self = shared_from_this(), id = *id](Result<std::string> status) {
      asio::post(self->retry_.get_executor(), [self, id, status = std::move(status)]() mutable {
        if (!status.ok()) return self->ToClient(jsonrpc::ErrorResponse(id, status.status()));
        std::string result = std::move(status).value();
        jsonrpc::FrameResult(id, &result);
        self->ToClient(std::move(result));
      });
    });
    return false;
  }
  if (method == "unwatch" && params && params->is_object()) {
    json::value* wid = params->as_object().if_contains("watch_id");
    if (wid && wid->is_int64()) {
      if (auto w = watches_.find(wid->as_int64()); w != watches_.end()) {
        const int64_t up = w->second.up_id;
        watches_.erase(w);
        if (up < 0 && !p->batch) {  // never re-sent: nothing upstream to end
          if (id) {
            std::string result = "{}";
            jsonrpc::FrameResult(*id, &result);
            ToClient(std::move(result));
          }
          return false;
        }
        if (up != wid->as_int64()) {
          *wid = up;
          *rewritten = true;
        }
      }
    }
  }
  if (!id) return true;  // a notification: nothing is answered
  const std::string key = IdKey(id);
  p->ids.push_back(key == "null" ? kNull : *id);
  p->keys.push_back(key);
  if (method == "watch") {
    pending_watch_[key] = params && params->is_object() ? params->as_object() : json::object();
  }
  return true;
}

void Relay::ToClient(std::string line) {
  if (closed_) return;
  to_client_bytes_ += line.size() + 1;
  to_client_.push_back(std::move(line));
  PumpClient();
}

void Relay::PumpClient() {
  if (writing_client_ || closed_) return;
  client_out_.clear();
  if (!to_client_.empty() && to_client_.front().size() >= kWriteChunk) {  // a big one: no copy
    client_out_.swap(to_client_.front());
    client_out_ += '\n';
    to_client_.pop_front();
  }
  while (client_out_.size() < kWriteChunk && !to_client_.empty()) {
    client_out_ += to_client_.front();
    client_out_ += '\n';
    to_client_.pop_front();
  }
  to_client_bytes_ =
      to_client_.empty() ? 0 : to_client_bytes_ - std::min(to_client_bytes_, client_out_.size());
  if (client_out_.empty()) {
    ReadUpstream();  // it may have paused for us
    MaybeClose();
    return;
  }
  writing_client_ = true;
  asio::async_write(client_, asio::buffer(client_out_),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_client_ = false;
                      if (self->closed_) return;
                      if (ec) return self->Close();
                      self->PumpClient();
                    });
}

void Relay::ArmIdleTimer() {
  const int64_t ms = config_.limits.idle_timeout_ms;
  if (ms <= 0) return;
  auto left = std::chrono::milliseconds(ms) - (Clock::now() - last_activity_);
  idle_.expires_after(std::max<Clock::duration>(left, std::chrono::milliseconds(1)));
  idle_.async_wait([self = shared_from_this(), ms](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    const bool quiet = Clock::now() - self->last_activity_ >= std::chrono::milliseconds(ms);
    if (quiet && self->watches_.empty() && self->pending_.empty() && self->queue_.empty()) {
      LogDebug("closing idle connection");
      return self->Close();
    }
    if (quiet) self->last_activity_ = Clock::now();  // watching or busy: not idle
    self->ArmIdleTimer();
  });
}

void Relay::ArmRequestTimer() {
  if (request_timer_armed_ || !line_since_) return;
  const auto limit = std::chrono::milliseconds(config_.limits.request_timeout_ms);
  request_timer_armed_ = true;
  request_timer_.expires_at(*line_since_ + limit);
  request_timer_.async_wait([self = shared_from_this(), limit](boost::system::error_code ec) {
    self->request_timer_armed_ = false;
    if (ec || self->closed_ || self->shutting_down_ || !self->line_since_) return;
    if (Clock::now() - *self->line_since_ < limit) return self->ArmRequestTimer();
    self->ToClient(jsonrpc::ErrorResponse(
        nullptr, Status::LimitExceeded("a request line must arrive within request_timeout_ms (" +
                                       std::to_string(limit.count()) +
                                       " ms) of its first byte; the connection is closed")));
    self->shutting_down_ = true;
    self->watches_.clear();
    self->MaybeClose();
  });
}

void Relay::MaybeClose() {
  if (closed_ || !(client_eof_ || shutting_down_)) return;
  if (writing_client_ || !to_client_.empty() || !pending_.empty() || !queue_.empty()) return;
  if (!shutting_down_ && !watches_.empty()) return;  // a watcher keeps its connection
  Close();
}

void Relay::Close() {
  if (closed_) return;
  closed_ = true;
  idle_.cancel();
  request_timer_.cancel();
  retry_.cancel();
  wait_timer_.cancel();
  boost::system::error_code ignored;
  client_.close(ignored);
  if (up_) up_->Close();
  ++up_gen_;
  front_.Forget(shared_from_this());
}

void Relay::Shutdown() {
  shutting_down_ = true;
  boost::system::error_code ignored;
  client_.shutdown(UnixSocket::shutdown_receive, ignored);
  for (auto& [id, w] : watches_) {
    ToClient(jsonrpc::Notification(
        "watch.error", {{"watch_id", id},
                        {"reason", "unavailable"},
                        {"message", "rosterd is shutting down; resume with since=" +
                                        std::to_string(w.last_rev) + " when it is back"}}));
  }
  watches_.clear();
  while (!queue_.empty()) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    if (q.pending) AnswerPending(*q.pending, Status::Unavailable("rosterd is shutting down"));
  }
  MaybeClose();
}

void Relay::AnswerPending(PendingIt it, const Status& status) {
  if (!it->batch) {
    ToClient(jsonrpc::ErrorResponse(it->ids.front(), status));
  } else {
    std::string out;
    for (const json::value& id : it->ids) {
      out += out.empty() ? "[" : ",";
      out += jsonrpc::ErrorResponse(id, status);
    }
    if (!out.empty()) ToClient(out + "]");
  }
  for (const std::string& key : it->keys) pending_watch_.erase(key);
  pending_.erase(it);
}

void Relay::EndWatch(int64_t client_id, std::string_view reason, const std::string& message) {
  ToClient(jsonrpc::Notification(
      "watch.error", {{"watch_id", client_id}, {"reason", reason}, {"message", message}}));
  watches_.erase(client_id);
}

int64_t Relay::ClientWatchId(int64_t up_id) {
  auto it = up_to_client_.find(up_id);
  return it == up_to_client_.end() ? up_id : it->second;
}

}  // namespace roster::cluster

// relay_upstream.cc — the upstream half of a relay (see relay.h): finding
// and connecting to the primary's core, forwarding, reading its lines, and
// what a lost upstream or a missing primary means for the pending requests
// and the watches.
#include <algorithm>
#include <cstring>

#include "client/client.h"
#include "cluster/peer.h"
#include "cluster/relay.h"
#include "daemon/jsonrpc.h"
#include "util/log.h"

namespace roster::cluster {

namespace json = boost::json;
namespace jsonrpc = daemon::jsonrpc;
using daemon::LineBuffer;

namespace {

constexpr size_t kMaxCoreLine = size_t{1} << 30;
constexpr auto kRetry = std::chrono::milliseconds(50);
constexpr std::string_view kResumeId = "roster-front-resume-";

Status UnknownOutcome() {
  return Status::Unavailable(
             "the primary was lost while this request was in flight; it may or may not have "
             "been applied: read it back, or send it again with the same request_key")
      .With("cause", "unknown_outcome");
}

Status NoPrimary(int64_t wait_ms) {
  return Status::Unavailable("no primary could be reached within relay_wait_ms (" +
                             std::to_string(wait_ms) + " ms); try again shortly")
      .With("cause", "no_primary");
}

}  // namespace

void Relay::Send(std::string line, std::optional<PendingIt> pending) {
  if (up_) {
    up_pending_ += line;
    up_pending_ += '\n';
    return PumpUpstream();
  }
  queue_.push_back({std::move(line), Clock::now(), pending});
  Connect();
  ArmWaitTimer();
}

void Relay::PumpUpstream() {
  if (writing_up_ || !up_ || up_pending_.empty()) return;
  auto out = std::make_shared<std::string>(std::move(up_pending_));
  up_pending_.clear();
  writing_up_ = true;
  up_->AsyncWrite(asio::buffer(*out), [self = shared_from_this(), out, gen = up_gen_](
                                          const boost::system::error_code& ec, size_t) {
    if (self->closed_ || gen != self->up_gen_) return;
    self->writing_up_ = false;
    if (ec) return self->UpstreamLost("sending failed: " + ec.message());
    self->PumpUpstream();
    self->ReadClient();  // it may have paused for us
  });
}

bool Relay::WatchesWaiting() const {
  for (const auto& [id, w] : watches_) {
    if (w.up_id < 0) return true;
  }
  return false;
}

void Relay::PrimaryChanged() {
  if (closed_) return;
  if (up_) {
    // A primary whose machine died sends no end of file: leave it as soon
    // as another is known.
    const Primary now = front_.Locate();
    if (now.kind != Primary::Kind::kNone &&
        (now.kind != up_where_.kind || now.where != up_where_.where)) {
      UpstreamLost("the primary moved to " + now.where);
    }
    return;
  }
  if (connecting_ || !no_primary_since_) return;
  retry_.cancel();
  Connect();
}

void Relay::Connect() {
  if (connecting_ || up_ || closed_) return;
  if (!no_primary_since_) no_primary_since_ = Clock::now();
  const Primary where = front_.Locate();
  if (where.kind == Primary::Kind::kNone) return RetryLater();
  connecting_ = true;
  up_where_ = where;
  const uint64_t gen = ++up_gen_;
  if (where.kind == Primary::Kind::kLocal) {
    auto socket = std::make_shared<UnixSocket>(client_.get_executor());
    socket->async_connect(asio::local::stream_protocol::endpoint(where.where),
                          [self = shared_from_this(), socket, gen](boost::system::error_code ec) {
                            if (self->closed_ || gen != self->up_gen_) return;
                            self->connecting_ = false;
                            if (ec)
                              return self->RetryLater();  // the core is stopping or not yet up
                            self->Connected(WrapStream(std::move(*socket)), "");
                          });
    return;
  }
  const auto timeout = std::chrono::milliseconds(std::max<int64_t>(config_.relay_wait_ms, 200));
  ConnectPeer(client_.get_executor(), where.where, front_.security(), timeout,
              [self = shared_from_this(), gen, door = where.where](Result<PeerStream> r) {
                if (self->closed_ || gen != self->up_gen_) {
                  if (r.ok()) r->stream->Close();
                  return;
                }
                self->connecting_ = false;
                if (!r.ok()) {
                  if (!IsNotPrimary(r.status())) LogDebug("relay: " + r.status().message());
                  return self->RetryLater();  // not the primary (any more): look again
                }
                self->Connected(r->stream, std::move(r->leftover));
              });
}

void Relay::RetryLater() {
  if (closed_) return;
  if (queue_.empty() && !WatchesWaiting()) {  // nobody waits: look again when someone does
    no_primary_since_.reset();
    return;
  }
  retry_.expires_after(kRetry);
  retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->closed_) self->Connect();
  });
}

void Relay::Connected(std::shared_ptr<ByteStream> stream, std::string leftover) {
  up_ = std::move(stream);
  up_in_ = std::make_unique<LineBuffer>(kMaxCoreLine);
  if (!leftover.empty()) {
    auto [data, size] = up_in_->Prepare();
    (void)size;  // a handshake leaves at most a line: kMinRead holds it
    std::memcpy(data, leftover.data(), std::min(leftover.size(), size));
    up_in_->Commit(std::min(leftover.size(), size));
  }
  no_primary_since_.reset();
  for (auto& [id, w] : watches_) {
    if (w.up_id < 0 && !w.resuming) Resume(id, w);
  }
  for (Queued& q : queue_) {
    up_pending_ += q.line;
    up_pending_ += '\n';
  }
  queue_.clear();
  ArmWaitTimer();
  PumpUpstream();
  ReadUpstream();
  ReadClient();
}

void Relay::Resume(int64_t client_id, Watch& w) {
  json::object params = w.params;
  params.erase("snapshot");
  params["since"] = w.last_rev;
  if (!w.feed_id.empty()) params["feed_id"] = w.feed_id;
  const json::value id(json::string(std::string(kResumeId) + std::to_string(++next_resume_)));
  resumes_[IdKey(&id)] = client_id;
  w.resuming = true;
  up_pending_ += json::serialize(client::RequestObject(id, "watch", std::move(params)));
  up_pending_ += '\n';
  PumpUpstream();
}

void Relay::ReadUpstream() {
  if (reading_up_ || !up_ || closed_ || to_client_bytes_ >= kHighWater) return;
  std::string_view line;
  LineBuffer::Next next = LineBuffer::Next::kNeedMore;
  while ((next = up_in_->Pop(&line)) == LineBuffer::Next::kLine) {
    OnUpstreamLine(line);
    if (closed_ || !up_ || to_client_bytes_ >= kHighWater) return;  // PumpClient reads on
  }
  if (next == LineBuffer::Next::kTooLong) return UpstreamLost("the core sent a line over 1 GiB");
  auto [data, size] = up_in_->Prepare();
  reading_up_ = true;
  up_->AsyncReadSome(asio::buffer(data, size), [self = shared_from_this(), gen = up_gen_](
                                                   const boost::system::error_code& ec, size_t n) {
    if (self->closed_ || gen != self->up_gen_) return;
    self->reading_up_ = false;
    if (ec) return self->UpstreamLost(ec == asio::error::eof ? "end of file" : ec.message());
    self->up_in_->Commit(n);
    self->ReadUpstream();
  });
}

void Relay::UpstreamLost(const std::string& why) {
  if (!up_) return;
  LogDebug("relay: lost the primary's core (" + why + ")");
  up_->Close();
  up_.reset();
  ++up_gen_;
  reading_up_ = writing_up_ = false;
  up_pending_.clear();
  const Status lost = UnknownOutcome();
  while (!pending_.empty()) AnswerPending(pending_.begin(), lost);
  pending_watch_.clear();
  resumes_.clear();
  up_to_client_.clear();
  for (auto it = watches_.begin(); it != watches_.end();) {
    Watch& w = it->second;
    w.up_id = -1;
    w.resuming = false;
    if (!w.snapshot) {
      ++it;
      continue;
    }
    const int64_t id = it->first;
    ++it;
    EndWatch(id, "compacted",
             "the primary was lost during this watch's snapshot; resume from a snapshot");
  }
  if (!watches_.empty() && !shutting_down_) {
    Connect();
    ArmWaitTimer();
  }
  MaybeClose();
}

void Relay::ArmWaitTimer() {
  std::optional<Clock::time_point> from;
  if (!queue_.empty()) from = queue_.front().since;
  if (no_primary_since_ && WatchesWaiting() && !up_)
    from = from ? std::min(*from, *no_primary_since_) : *no_primary_since_;
  if (!from) return;
  wait_timer_.expires_at(*from + std::chrono::milliseconds(config_.relay_wait_ms));
  wait_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->closed_) self->ExpireWaits();
  });
}

void Relay::ExpireWaits() {
  const auto now = Clock::now();
  const auto wait = std::chrono::milliseconds(config_.relay_wait_ms);
  while (!queue_.empty() && now - queue_.front().since >= wait) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    if (q.pending) AnswerPending(*q.pending, NoPrimary(config_.relay_wait_ms));
  }
  if (!up_ && no_primary_since_ && now - *no_primary_since_ >= wait) {
    std::vector<int64_t> waiting;
    for (auto& [id, w] : watches_) {
      if (w.up_id < 0) waiting.push_back(id);
    }
    for (int64_t id : waiting) {
      EndWatch(id, "unavailable",
               "no primary could be reached within relay_wait_ms; resume with since=" +
                   std::to_string(watches_[id].last_rev) + " when one is");
    }
  }
  ArmWaitTimer();
  ReadClient();
  MaybeClose();
}

}  // namespace roster::cluster

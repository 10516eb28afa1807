// connection.cc — one client connection: framing, dispatch, replies and
// watch events, timeouts (see connection.h).
#include "daemon/connection.h"

#include "daemon/jsonrpc.h"
#include "daemon/server.h"
#include "util/log.h"

namespace roster::daemon {

namespace {
constexpr size_t kMaxInFlight = 1024;      // requests per connection before reading pauses
constexpr size_t kWriteChunk = 64 * 1024;  // bytes gathered into one write
}  // namespace

ClientConnection::ClientConnection(UnixSocket socket, Server& server)
    : socket_(std::move(socket)),
      server_(server),
      idle_(socket_.get_executor()),
      request_timer_(socket_.get_executor()),
      in_(server.config().limits.max_line_bytes),
      state_(std::make_shared<ClientState>(server.hub())) {}

void ClientConnection::Start() {
  ArmIdleTimer();
  ReadLine();
}

// One timer per connection, armed once per idle period: activity only stamps
// last_activity_, and the timer re-arms itself for the time that is left.
void ClientConnection::ArmIdleTimer() {
  const int64_t ms = server_.config().limits.idle_timeout_ms;
  if (ms <= 0) return;
  auto left = std::chrono::milliseconds(ms) - (std::chrono::steady_clock::now() - last_activity_);
  idle_.expires_after(
      std::max<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(1)));
  idle_.async_wait([self = shared_from_this(), ms](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || self->closed_) return;
    const bool quiet =
        std::chrono::steady_clock::now() - self->last_activity_ >= std::chrono::milliseconds(ms);
    if (!quiet || !self->state_->watches->empty() || self->in_flight_ > 0) {
      if (!quiet) {
        self->ArmIdleTimer();
      } else {  // watching or busy: not idle
        self->last_activity_ = std::chrono::steady_clock::now();
        self->ArmIdleTimer();
      }
      return;
    }
    LogDebug("closing idle connection");
    self->Close();
  });
}

void ClientConnection::ArmRequestTimer() {
  if (request_timer_armed_ || !line_since_) return;
  const auto limit = std::chrono::milliseconds(server_.config().limits.request_timeout_ms);
  request_timer_armed_ = true;
  request_timer_.expires_at(*line_since_ + limit);
  request_timer_.async_wait([self = shared_from_this(), limit](boost::system::error_code ec) {
    self->request_timer_armed_ = false;
    if (ec == asio::error::operation_aborted || self->closed_ || self->shutting_down_) return;
    if (!self->line_since_) return;
    if (std::chrono::steady_clock::now() - *self->line_since_ < limit) {
      self->ArmRequestTimer();  // a later line began meanwhile
      return;
    }
    self->SendAndClose(jsonrpc::ErrorResponse(
        nullptr, Status::LimitExceeded("a request line must arrive within request_timeout_ms (" +
                                       std::to_string(limit.count()) +
                                       " ms) of its first byte; the connection is closed")));
  });
}

// Handles the complete lines already buffered (up to kMaxInFlight requests in
// flight), then reads more once none is left. Re-entered from Reply(), which
// may run inside OnLine(); the loop in progress carries on instead.
void ClientConnection::ReadLine() {
  if (handling_ || reading_ || closed_) return;
  handling_ = true;
  LineBuffer::Next next = LineBuffer::Next::kNeedMore;
  std::string_view line;
  bool framed = false;
  while (!shutting_down_ && !closed_ && in_flight_ < kMaxInFlight &&
         (next = in_.Pop(&line)) == LineBuffer::Next::kLine) {
    framed = true;
    OnLine(line);
  }
  handling_ = false;
  if (shutting_down_ || closed_ || in_flight_ >= kMaxInFlight) return;
  if (next == LineBuffer::Next::kNeedMore) {
    if (!in_.HasPartialLine()) {
      line_since_.reset();
    } else if (framed || !line_since_) {  // a new line began with the last read
      line_since_ = std::chrono::steady_clock::now();
      ArmRequestTimer();
    }
  }
  if (next == LineBuffer::Next::kTooLong) {
    SendAndClose(jsonrpc::ErrorResponse(
        nullptr, Status::LimitExceeded("request line exceeds max_line_bytes (" +
                                       std::to_string(server_.config().limits.max_line_bytes) +
                                       " bytes); the connection is closed")));
    return;
  }
  ReadMore();
}

void ClientConnection::ReadMore() {
  auto [data, size] = in_.Prepare();
  reading_ = true;
  socket_.async_read_some(asio::buffer(data, size),
                          [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                            self->reading_ = false;
                            if (self->closed_) return;
                            if (ec) {  // EOF or error: finish what is in flight, then close
                              self->shutting_down_ = true;
                              self->MaybeClose();
                              return;
                            }
                            self->in_.Commit(n);
                            self->last_activity_ = std::chrono::steady_clock::now();
                            self->ReadLine();
                          });
}

void ClientConnection::OnLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank line
  auto msg = jsonrpc::Parse(line, static_cast<size_t>(server_.config().limits.max_json_depth));
  if (!msg.ok()) {
    ++in_flight_;
    Reply(jsonrpc::ErrorResponse(nullptr, msg.error()));
    return;
  }
  ++in_flight_;
  server_.dispatcher().Handle(msg.value(), shared_from_this(), state_,
                              [self = shared_from_this()](std::optional<std::string> response) {
                                self->Reply(std::move(response));
                              });
}

void ClientConnection::Reply(std::optional<std::string> response) {
  if (in_flight_ > 0) --in_flight_;
  if (closed_) return;
  if (response) replies_.push_back(std::move(*response));
  SchedulePump();
  ReadLine();  // reading may have paused at kMaxInFlight
}

void ClientConnection::SchedulePump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->pump_scheduled_ = false;
    self->Pump();
  });
}

void ClientConnection::SendAndClose(std::string response) {
  replies_.push_back(std::move(response));
  shutting_down_ = true;
  Pump();
}

void ClientConnection::Pump() {
  if (writing_ || closed_) return;
  out_.clear();
  if (!replies_.empty() && replies_.front().size() >= kWriteChunk) {  // a big reply: no copy
    out_.swap(replies_.front());
    out_ += '\n';
    replies_.pop_front();
  }
  while (out_.size() < kWriteChunk && !replies_.empty()) {
    out_ += replies_.front();
    out_ += '\n';
    replies_.pop_front();
  }
  state_->watches->PopLinesInto(&out_, kWriteChunk);
  if (out_.empty()) {
    MaybeClose();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->Close();
                        return;
                      }
                      self->Pump();
                    });
}

void ClientConnection::Shutdown() {
  shutting_down_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(UnixSocket::shutdown_receive, ignored);
  MaybeClose();
}

void ClientConnection::MaybeClose() {
  if (!shutting_down_ || closed_ || writing_ || in_flight_ > 0 || !replies_.empty() ||
      state_->watches->HasLine()) {
    return;
  }
  Close();
}

void ClientConnection::Close() {
  if (closed_) return;
  closed_ = true;
  idle_.cancel();
  request_timer_.cancel();
  state_->watches->CloseAll();
  boost::system::error_code ignored;
  socket_.close(ignored);
  server_.Forget(shared_from_this());
}

}  // namespace roster::daemon

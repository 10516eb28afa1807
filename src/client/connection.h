// connection.h — one connection to rosterd's Unix socket, framed in lines:
// the layer under every client of the socket (rosterctl, the tests,
// roster-bench). Plain POSIX calls, no threads; every wait ends at a
// deadline the caller gives (or never, when it gives none), so a client
// never hangs on a daemon that accepts and never reads or answers, nor on
// one that streams garbage (a line longer than max_line_bytes is an error).
//
// Lines are handed out as views into the connection's buffer, without a
// copy (a session.list of 100,000 sessions is one 28 MB line); the buffer
// grows like the daemon's reply buffer (util/big_buffer.h).
//
// Thread-safety: one thread may Send while another reads (ReadLine, Receive,
// TakeLine): sending touches only the descriptor. Anything else needs the
// caller's synchronisation.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace roster::client {

using Clock = std::chrono::steady_clock;
// When a wait must end; nullopt: never.
using Deadline = std::optional<Clock::time_point>;

// `timeout_ms` from now; never when negative.
Deadline After(int timeout_ms);
// The earlier of two deadlines.
Deadline Earlier(Deadline a, Deadline b);

// What a connect does when the daemon's listen backlog is full (a daemon
// that stopped accepting): fail at once (a one-shot client: the daemon is not
// answering), or wait until the daemon accepts (tests and the bench, which
// crowd a daemon on purpose).
enum class WhenFull { kFail, kWait };

// A connected stream socket to `socket` (close-on-exec, non-blocking once
// connected); unavailable, naming the socket and how to start rosterd, if
// nothing accepts there.
Result<int> ConnectUnix(const std::string& socket, WhenFull when_full = WhenFull::kFail);

class Connection {
 public:
  static Result<Connection> Open(const std::string& socket, WhenFull when_full = WhenFull::kFail);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The longest line accepted from the daemon (default 1 GiB); longer is an
  // error.
  void set_max_line_bytes(size_t n) { max_line_bytes_ = n; }
  int fd() const { return fd_; }
  // True once the daemon closed its end (a read saw end of file).
  bool closed_by_peer() const { return eof_; }

  // Sends all of `bytes`; unavailable if the daemon has not read them by
  // `deadline` or the connection is lost.
  Status Send(std::string_view bytes, Deadline deadline);

  // The next line (without its newline), waiting for it until `deadline` (a
  // deadline already past still takes what has arrived): nullopt if none is
  // complete by then; unavailable once the daemon closed the connection;
  // internal for a line over max_line_bytes. The view stays valid until the
  // next call on this connection.
  Result<std::optional<std::string_view>> ReadLine(Deadline deadline);
  // The same as a string of its own (no copy when the line starts the
  // buffer, as a one-shot call's reply does).
  Result<std::optional<std::string>> ReadLineCopy(Deadline deadline);

  // For a caller that polls many connections itself: after poll(2) said the
  // descriptor is readable, Receive() reads what it holds (once, without
  // waiting), then TakeLine() hands out the complete lines received.
  // Receive fails as ReadLine does.
  Status Receive();
  // A complete line already received, or nullopt. The view stays valid until
  // the next call on this connection.
  std::optional<std::string_view> TakeLine();

  // Closes the descriptor (the destructor does it too).
  void Close();

 private:
  explicit Connection(int fd) : fd_(fd) {}
  // Drops the lines already handed out from the front of the buffer.
  void Compact();

  int fd_ = -1;
  bool eof_ = false;
  size_t max_line_bytes_ = size_t{1} << 30;
  std::string buf_;
  size_t start_ = 0;    // buf_[0, start_) was handed out
  size_t scanned_ = 0;  // buf_[start_, start_ + scanned_) holds no newline
};

}  // namespace roster::client

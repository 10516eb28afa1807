// conn.h — one connection to one dqlite node: connect with a deadline, write
// whole requests, read whole messages. No protocol semantics (client.h has
// them); every wait is a poll() bounded by the call's deadline, so nothing
// here blocks past it.
//
// Addresses are those a 1.11 node can listen on: "a.b.c.d:port" (it binds
// numeric IPv4 only) or "@name", a Linux abstract Unix socket (which a node
// accepts only from its own process).
//
// Socket options: TCP_NODELAY, so a request never waits for the ACK of the
// one before; and TCP_QUICKACK, re-armed after every read (the kernel drops
// back to delayed ACKs after a few exchanges), so the node's second write of
// an answer — the next part of a result, the answer to a pipelined request —
// is not held by its Nagle algorithm (dqlite sets neither) until our delayed
// ACK ~40 ms later: a 1,000-row query takes 44 ms instead of 0.3 ms without
// it (roster-bench dqlite). Every send passes
// MSG_NOSIGNAL: a node that went away is an error, not a SIGPIPE.
//
// Cost: one send per request batch; one recv per response that fits the
// 64 KiB read buffer (larger bodies are read straight into their own buffer).
//
// Any failure closes the connection; every later call fails at once.
// Thread-safety: none; one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/dqlite/error.h"
#include "store/dqlite/protocol.h"

namespace roster::store::dqlite {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct ConnOptions {
  bool tcp_nodelay = true;               // false only to measure what it saves
  bool tcp_quickack = true;              // idem
  size_t max_message_bytes = 256 << 20;  // one response body (DUMP is one message)
};

struct Message {
  Response type;
  uint8_t schema;
  std::vector<char> body;
  std::string_view view() const { return {body.data(), body.size()}; }
};

// An Error about `call` to the node at `address`, saying whether the request
// may have been applied (it was sent and could write) and whether a
// connection was `closed` because of it.
Error ConnError(const std::string& address, ErrorKind kind, const CallInfo& call,
                const std::string& what, bool sent, bool closed);

class Conn {
 public:
  // Connects; the handshake goes out with the first Send.
  static Result<std::unique_ptr<Conn>> Dial(const std::string& address, const ConnOptions& options,
                                            Deadline deadline);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  const std::string& address() const { return address_; }
  bool is_open() const { return fd_ >= 0; }
  // For tests: the socket (to read its options).
  int fd() const { return fd_; }

  // Writes all of `bytes`. A send that fails leaves the node a whole
  // request only if more than `complete_after` bytes went out (the end of
  // the first of several requests written together); then the failure says
  // the outcome is unknown, otherwise "not applied".
  Outcome Send(std::string_view bytes, const CallInfo& call, Deadline deadline,
               size_t complete_after = SIZE_MAX);
  // Reads the next message (header and body).
  Result<Message> Recv(const CallInfo& call, Deadline deadline);
  // Closes the socket (idempotent).
  void Close();

  // Closes the connection and returns ConnError(address(), …).
  Error Fail(ErrorKind kind, const CallInfo& call, const std::string& what, bool sent);

 private:
  Conn(int fd, std::string address, const ConnOptions& options);
  // Reads until at least `min` bytes are buffered; false on error (*err set).
  bool Fill(size_t min, const CallInfo& call, Deadline deadline, std::optional<Error>* err);
  // One recv of up to `cap` bytes into `p` after waiting for the socket.
  // Returns bytes read (> 0), or 0 with *err set.
  size_t ReadSome(char* p, size_t cap, const CallInfo& call, Deadline deadline,
                  std::optional<Error>* err);
  void ArmQuickAck();

  int fd_;
  const std::string address_;
  const ConnOptions options_;
  const bool tcp_;
  bool handshake_sent_ = false;
  std::vector<char> in_;  // read buffer: bytes [in_pos_, in_end_) unread
  size_t in_pos_ = 0, in_end_ = 0;
};

}  // namespace roster::store::dqlite

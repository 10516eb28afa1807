// stream.h — ByteStream: one interface over the byte streams the cluster
// relays through (a Unix socket to the core, TCP to a door, TLS over TCP),
// so that the handshake, the door's pipe and the front's relay are written
// once. An adapter holds the Asio stream; each call forwards to it.
//
// Usage:
//   auto s = cluster::WrapStream(std::move(tcp_socket));              // plain
//   auto t = cluster::WrapStream(std::move(ssl_stream));              // TLS
//   s->AsyncReadSome(buffer, [](error_code ec, size_t n) { ... });
//
// Ownership: whoever holds the shared_ptr; a handler that must keep the
// stream alive captures it. Thread-safety: that of the Asio stream (one
// strand: the io thread that owns it).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

namespace roster::cluster {

namespace asio = boost::asio;
using Tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<Tcp::socket>;
using UnixSocket = asio::local::stream_protocol::socket;

class ByteStream {
 public:
  using Handler = std::function<void(const boost::system::error_code&, size_t)>;
  virtual ~ByteStream() = default;
  // Reads what is there (at least one byte), as the stream's async_read_some.
  virtual void AsyncReadSome(asio::mutable_buffer buffer, Handler handler) = 0;
  // Writes all of `buffer` (asio::async_write). At most one in flight.
  virtual void AsyncWrite(asio::const_buffer buffer, Handler handler) = 0;
  // Ends the sending side (the peer reads end of file); reads go on. On TLS
  // the transport's sending side is shut, which the peer reads as the end.
  virtual void ShutdownSend() = 0;
  // Closes the transport; pending operations end with operation_aborted.
  virtual void Close() = 0;
  virtual asio::any_io_executor executor() = 0;
};

template <typename S>
class AsioByteStream final : public ByteStream {
 public:
  explicit AsioByteStream(S stream) : s_(std::move(stream)) {}
  void AsyncReadSome(asio::mutable_buffer buffer, Handler handler) override {
    s_.async_read_some(buffer, std::move(handler));
  }
  void AsyncWrite(asio::const_buffer buffer, Handler handler) override {
    asio::async_write(s_, buffer, std::move(handler));
  }
  void ShutdownSend() override {
    boost::system::error_code ignored;
    s_.lowest_layer().shutdown(asio::socket_base::shutdown_send, ignored);
  }
  void Close() override {
    boost::system::error_code ignored;
    s_.lowest_layer().close(ignored);
  }
  asio::any_io_executor executor() override { return s_.get_executor(); }

 private:
  S s_;
};

template <typename S>
std::shared_ptr<ByteStream> WrapStream(S stream) {
  return std::make_shared<AsioByteStream<S>>(std::move(stream));
}

}  // namespace roster::cluster

// door_address.cc — ADDR → ADDR+1 (see door_address.h).
#include "cluster/door_address.h"

#include <boost/asio/ip/address_v4.hpp>
#include <charconv>

namespace roster::cluster {

Result<Ipv4Endpoint> ParseIpv4Endpoint(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidParams(std::string(what) + " \"" + std::string(text) + "\" " +
                                 std::string(why) +
                                 "; it must be a numeric IPv4 address and port, e.g. "
                                 "127.0.0.1:9001");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("has no port");
  const std::string ip(text.substr(0, colon));
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address_v4(ip, ec);
  // make_address_v4 (inet_pton) takes only the dotted-quad form.
  if (ec) return bad("has no valid IPv4 address");
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || err != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    return bad("has no valid port (1..65535)");
  }
  return Ipv4Endpoint{ip, static_cast<uint16_t>(port)};
}

Result<std::string> DoorAddress(std::string_view cluster_address) {
  auto ep = ParseIpv4Endpoint(cluster_address, "the cluster address");
  if (!ep.ok()) return ep.status();
  if (ep->port == 65535) {
    return Status::InvalidParams("the cluster address \"" + std::string(cluster_address) +
                                 "\" uses port 65535; a member needs the next port too for its "
                                 "door (cluster traffic between rosterds), so choose a lower one");
  }
  ep->port = static_cast<uint16_t>(ep->port + 1);
  return ep->ToString();
}

}  // namespace roster::cluster

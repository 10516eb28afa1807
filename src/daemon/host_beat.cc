// host_beat.cc — this host's heartbeat on a timer (see host_beat.h).
#include "daemon/host_beat.h"

#include "util/log.h"

namespace roster::daemon {

HostBeat::HostBeat(boost::asio::io_context& io, Writer& writer, int64_t host_timeout_ms)
    : timer_(io), writer_(writer), period_(Period(host_timeout_ms)) {}

void HostBeat::Start() {
  running_ = true;
  Arm();
}

void HostBeat::Stop() {
  running_ = false;
  timer_.cancel();
}

void HostBeat::Arm() {
  if (!running_) return;
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted || !running_) return;
    Beat();
    Arm();
  });
}

void HostBeat::Beat() {
  if (in_flight_) return;
  in_flight_ = true;
  writer_.Submit(
      [](store::Registry& reg) -> Result<std::string> {
        if (Status s = reg.RecordHostHeartbeat(); !s.ok()) return s;
        return std::string();
      },
      [this](Result<std::string> r) {
        in_flight_ = false;
        if (!r.ok()) LogWarn("host heartbeat not recorded: " + r.status().message());
      });
}

}  // namespace roster::daemon

// systemd.cc — sd_notify and sd_listen_fds for rosterd (see systemd.h).
#include "daemon/systemd.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>

#include "util/log.h"

namespace roster::daemon::systemd {

Result<int> TakeListenSocket() {
  const int n = sd_listen_fds(/*unset_environment=*/1);
  if (n < 0) {
    return Status::InvalidParams(std::string("cannot read the sockets systemd passed: ") +
                                 std::strerror(-n));
  }
  if (n == 0) return -1;
  if (n > 1) {
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) ::close(fd);
    return Status::InvalidParams("systemd passed " + std::to_string(n) +
                                 " sockets; rosterd serves exactly one (ListenStream=)");
  }
  const int fd = SD_LISTEN_FDS_START;
  if (sd_is_socket_unix(fd, SOCK_STREAM, /*listening=*/1, nullptr, 0) <= 0) {
    ::close(fd);
    return Status::InvalidParams(
        "the socket systemd passed is not a listening Unix stream socket "
        "(rosterd.socket needs ListenStream=PATH)");
  }
  LogDebug("serving the listening socket systemd passed (fd " + std::to_string(fd) + ")");
  return fd;
}

void NotifyReady(const std::string& status) {
  const int rc = sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
  if (rc < 0) LogWarn(std::string("cannot tell systemd we are ready: ") + std::strerror(-rc));
}

void NotifyStopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

}  // namespace roster::daemon::systemd

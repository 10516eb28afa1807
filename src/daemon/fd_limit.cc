// fd_limit.cc — fitting rosterd to its open-file limit (see fd_limit.h).
#include "daemon/fd_limit.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "util/log.h"

namespace roster::daemon {

void FitConnectionsToFileLimit(DaemonConfig* config) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    const rlim_t before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) {
      LogInfo("open files: soft limit raised from " + std::to_string(before) + " to the hard " +
              std::to_string(lim.rlim_cur));
    } else {
      lim.rlim_cur = before;
    }
  }
  if (lim.rlim_cur == RLIM_INFINITY) return;
  const int64_t limit = static_cast<int64_t>(lim.rlim_cur);
  const int64_t fit = std::max<int64_t>(1, limit - std::min<int64_t>(kReservedFds, limit / 2));
  int& max = config->limits.max_connections;
  if (max <= fit) return;
  LogWarn("max_connections lowered from " + std::to_string(max) + " to " + std::to_string(fit) +
          ": the process may open " + std::to_string(limit) +
          " files (RLIMIT_NOFILE) and rosterd keeps " + std::to_string(limit - fit) +
          " for its own; raise the limit (ulimit -n, LimitNOFILE=) for more");
  max = static_cast<int>(fit);
}

SpareDescriptor::SpareDescriptor() : fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpareDescriptor::ShedOne(int listen_fd, const std::string& line) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (client >= 0) {
    ssize_t ignored = ::send(client, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    ::close(client);
  }
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return client >= 0;
}

}  // namespace roster::daemon

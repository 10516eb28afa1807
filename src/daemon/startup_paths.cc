// startup_paths.cc — path checks made before rosterd touches a file.
#include "daemon/startup_paths.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "util/paths.h"

namespace roster::daemon {

namespace fs = std::filesystem;

namespace {

// The longest suffix rosterd appends to the database path ("DB.clean.tmp").
constexpr size_t kLongestSuffix = 16;

// The nearest existing ancestor of `path` must be a directory.
Status CheckAncestors(const std::string& path, const char* what) {
  for (fs::path p = fs::path(path).parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Status::InvalidParams(p.string() + " is not a directory (it is in the " + what +
                                     " path " + path + ")");
      }
      return Status::Ok();
    }
    if (p == p.parent_path()) break;
  }
  return Status::Ok();
}

}  // namespace

Status CheckPaths(const DaemonConfig& c) {
  for (const auto& [path, what] : {std::pair{&c.db_path, "database"}, {&c.socket_path, "socket"}}) {
    if (path->empty()) return Status::InvalidParams(std::string("the ") + what + " path is empty");
    if (path->find('\0') != std::string::npos) {
      return Status::InvalidParams(std::string("the ") + what + " path contains a NUL byte");
    }
    ROSTER_RETURN_IF_ERROR(CheckAncestors(*path, what));
  }
  if (c.socket_path.size() > kMaxSocketPathBytes) {
    return Status::InvalidParams(
        "the socket path " + c.socket_path + " is " + std::to_string(c.socket_path.size()) +
        " bytes; a Unix socket path holds at most " + std::to_string(kMaxSocketPathBytes) +
        " (choose a shorter --socket or ROSTER_SOCKET)");
  }
  if (c.db_path.size() + kLongestSuffix >= PATH_MAX) {
    return Status::InvalidParams("the database path is " + std::to_string(c.db_path.size()) +
                                 " bytes; it must stay under " +
                                 std::to_string(PATH_MAX - kLongestSuffix));
  }
  struct stat st {};
  if (::stat(c.db_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidParams("the database path " + c.db_path +
                                 " is a directory; name the database file in it");
  }
  if (c.engine == "dqlite") {
    ROSTER_RETURN_IF_ERROR(CheckAncestors(c.data_dir, "data"));
    if (::stat(c.data_dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      return Status::InvalidParams("the data path " + c.data_dir +
                                   " is not a directory; name a directory for the dqlite node");
    }
  }
  if (::lstat(c.socket_path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
    return Status::InvalidParams("the socket path " + c.socket_path +
                                 " exists and is not a socket; rosterd will not replace it");
  }
  if (c.socket_path == c.db_path || c.socket_path == LockPathFor(c.db_path)) {
    return Status::InvalidParams("the socket path " + c.socket_path +
                                 " is the database's own file");
  }
  return Status::Ok();
}

bool SocketAnswers(const std::string& socket) {
  struct stat st {};
  if (::lstat(socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  sockaddr_un addr{};
  if (socket.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket.c_str(), socket.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool answers = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return answers;
}

Status EnsureDirectory(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  fs::path partial;
  for (const auto& part : fs::path(dir)) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return Status::Unavailable("cannot create directory " + partial.string() + ": " +
                               std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace roster::daemon

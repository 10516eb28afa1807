// secret.cc — reading the cluster secret file (see secret.h).
#include "cluster/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace roster::cluster {

namespace {

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

Result<std::string> LoadSecret(const std::string& path) {
  const std::string name = "the cluster secret file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Status::InvalidParams("cannot read " + name + ": " + std::strerror(errno));
  }
  struct stat st {};
  std::string secret;
  Status bad;
  if (::fstat(fd, &st) != 0) {
    bad = Status::InvalidParams("cannot read " + name + ": " + std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    bad = Status::InvalidParams(name + " is not a regular file");
  } else if ((st.st_mode & 077) != 0) {
    bad = Status::InvalidParams(name + " is accessible to other users (mode " + Octal(st.st_mode) +
                                "); make it private with `chmod 600 " + path + "`");
  } else {
    char buf[kMaxSecretBytes + 2];
    size_t got = 0;
    for (;;) {
      const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        bad = Status::InvalidParams("cannot read " + name + ": " + std::strerror(errno));
        break;
      }
      got += static_cast<size_t>(n);
      if (n == 0 || got == sizeof buf) break;
    }
    secret.assign(buf, got);
  }
  ::close(fd);
  if (!bad.ok()) return bad;
  while (!secret.empty() && std::strchr(" \t\r\n\f\v", secret.back()) != nullptr &&
         secret.back() != '\0') {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretBytes) {
    return Status::InvalidParams(
        name + " holds " + std::to_string(secret.size()) +
        " bytes; a cluster secret needs at least " + std::to_string(kMinSecretBytes) +
        " (e.g. `(umask 077; head -c 32 /dev/urandom | base64 > " + path + ")`)");
  }
  if (secret.size() > kMaxSecretBytes) {
    return Status::InvalidParams(name + " is longer than " + std::to_string(kMaxSecretBytes) +
                                 " bytes; a cluster secret is a short line");
  }
  return secret;
}

}  // namespace roster::cluster

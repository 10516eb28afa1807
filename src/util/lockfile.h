// lockfile.h — an exclusive advisory lock (flock) on DB.lock that marks the
// database as owned by one running rosterd. The holder's pid is written into
// the file so the refusal can name it. Released when the object is destroyed
// or the process dies (the kernel drops flock locks of dead processes).
#pragma once

#include <string>

#include "util/status.h"

namespace roster {

class LockFile {
 public:
  LockFile() = default;
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  // Takes the lock or returns unavailable naming the holder's pid.
  Status Acquire(const std::string& path);
  void Release();

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace roster

// git_branch.cc — finding .git and reading HEAD (see git_branch.h).
#include "core/git_branch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace roster {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxRead = 4096;  // HEAD and .git files are a line
constexpr int kMaxDepth = 64;

// The first line of a small file, or nullopt.
std::optional<std::string> FirstLine(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[kMaxRead];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  std::string line(buf, static_cast<size_t>(n));
  line = line.substr(0, line.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// The git directory of the work tree that holds `dir`, or "".
std::string FindGitDir(const std::string& dir) {
  fs::path at = fs::path(dir).lexically_normal();
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    const fs::path dotgit = at / ".git";
    struct stat st {};
    if (::stat(dotgit.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return dotgit.string();
      auto line = FirstLine(dotgit.string());  // "gitdir: PATH" (worktree, submodule)
      if (!line || line->rfind("gitdir:", 0) != 0) return "";
      std::string target = line->substr(7);
      target.erase(0, target.find_first_not_of(' '));
      fs::path gitdir(target);
      return (gitdir.is_absolute() ? gitdir : at / gitdir).lexically_normal().string();
    }
    if (!at.has_parent_path() || at.parent_path() == at) return "";
    at = at.parent_path();
  }
  return "";
}

bool IsHex(const std::string& s) {
  if (s.size() < 7) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> ReadGitBranch(const std::string& dir) {
  if (dir.empty() || dir[0] != '/') return std::nullopt;
  const std::string gitdir = FindGitDir(dir);
  if (gitdir.empty()) return std::nullopt;
  auto head = FirstLine(gitdir + "/HEAD");
  if (!head) return std::nullopt;
  if (head->rfind("ref:", 0) == 0) {
    std::string ref = head->substr(4);
    ref.erase(0, ref.find_first_not_of(' '));
    constexpr std::string_view kHeads = "refs/heads/";
    if (ref.rfind(kHeads, 0) == 0) ref = ref.substr(kHeads.size());
    return ref.empty() ? std::nullopt : std::optional<std::string>(ref);
  }
  if (IsHex(*head)) return "detached:" + head->substr(0, 7);
  return std::nullopt;
}

}  // namespace roster

// clean_shutdown.cc — writing and taking the clean-shutdown marker (see the
// header for what it promises). The marker is one JSON object written
// durably (util/durable_file.h).
#include "store/clean_shutdown.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/durable_file.h"

namespace roster::store {

namespace json = boost::json;

namespace {

// The identity of the database file as stat(2) sees it; nullopt if missing.
std::optional<json::object> FileIdentity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return json::object{
      {"dev", static_cast<int64_t>(st.st_dev)},
      {"ino", static_cast<int64_t>(st.st_ino)},
      {"size", static_cast<int64_t>(st.st_size)},
      {"mtime_ns", static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec}};
}

bool WalHoldsFrames(const std::string& db_path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(db_path + "-wal", ec);
  return !ec && size > 0;
}

}  // namespace

Status WriteCleanMarker(const std::string& db_path, int64_t rev) {
  if (WalHoldsFrames(db_path)) return Status::Internal("the WAL still holds frames");
  auto id = FileIdentity(db_path);
  if (!id) return Status::Internal("cannot stat " + db_path);
  (*id)["rev"] = rev;
  return WriteFileDurably(CleanMarkerPathFor(db_path), json::serialize(*id));
}

std::optional<int64_t> TakeCleanMarker(const std::string& db_path, std::string* why) {
  const std::string path = CleanMarkerPathFor(db_path);
  std::ifstream in(path);
  if (!in) {
    *why = "no clean-shutdown marker";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  ::unlink(path.c_str());
  SyncDirectoryOf(db_path);
  boost::system::error_code ec;
  json::value marker = json::parse(text.str(), ec);
  const json::object* m = ec ? nullptr : marker.if_object();
  const json::value* rev = m ? m->if_contains("rev") : nullptr;
  if (!rev || !rev->is_int64()) {
    *why = "the clean-shutdown marker is unreadable";
    return std::nullopt;
  }
  json::object recorded = *m;
  recorded.erase("rev");
  auto now = FileIdentity(db_path);
  if (!now || *now != recorded) {
    *why = "the file changed after the clean shutdown";
    return std::nullopt;
  }
  if (WalHoldsFrames(db_path)) {
    *why = "the WAL holds frames written after the clean shutdown";
    return std::nullopt;
  }
  return rev->as_int64();
}

}  // namespace roster::store

// host_id.cc — the default host name from the machine id (see host_id.h).
#include "daemon/host_id.h"

#include <systemd/sd-id128.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace roster::daemon {

namespace {

// Roster's application id for sd_id128_get_machine_app_specific: the same
// machine gives Roster the same id, and no other program's.
constexpr sd_id128_t kRosterAppId =
    SD_ID128_MAKE(d4, 77, 35, e7, 5c, 46, 4d, a6, af, 15, 9a, 22, 07, b3, 5b, 13);
constexpr size_t kIdDigits = 12;  // 48 bits: ~2e-7 odds of a clash among 10,000 machines
constexpr size_t kMaxHostBytes = 64;

bool HostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

bool IsValidHostName(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostBytes) return false;
  for (char c : name) {
    if (!HostChar(c)) return false;
  }
  return true;
}

std::string MachineHostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

DefaultHost DefaultHostName() {
  sd_id128_t id;
  const int rc = sd_id128_get_machine_app_specific(kRosterAppId, &id);
  if (rc >= 0) {
    char hex[SD_ID128_STRING_MAX];
    sd_id128_to_string(id, hex);
    return {std::string(hex, kIdDigits), ""};
  }
  std::string name = MachineHostname().substr(0, kMaxHostBytes);
  for (char& c : name) {
    if (!HostChar(c)) c = '-';
  }
  if (name.empty()) name = "localhost";
  return {name,
          "this machine has no machine id (/etc/machine-id: " + std::string(std::strerror(-rc)) +
              "), so its host name is its hostname '" + name +
              "'; set `host` (--host) to a name that stays the same and that no other "
              "machine sharing the registry uses"};
}

}  // namespace roster::daemon

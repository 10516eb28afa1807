// api_doc.h — docs/api.md read as data, for the tests that hold it to the
// code: the methods with the params each lists, the notifications, the
// error codes with their reasons and rosterctl exit statuses, and the
// members an error's `data` may carry.
//
// The page's shape is the contract: level-2 sections "Methods",
// "Notifications" and "Errors"; under the first two, one "### `name`"
// heading per method or notification; a method's params as table rows whose
// first cell is "`param`"; error codes as rows "| code | `reason` | ...";
// `data` members as rows "| `member` | ..." under "### `data`".
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace roster::testing {

struct ApiDoc {
  struct ErrorRow {
    int64_t code;
    std::string reason;
    std::string last_cell;  // the table's last column (rosterctl's exit status, or "when")
  };
  std::map<std::string, std::set<std::string>> methods;  // method -> its params
  std::set<std::string> notifications;
  std::vector<ErrorRow> errors;
  std::set<std::string> data_members;
};

inline ApiDoc ReadApiDoc(const std::string& path = ROSTER_SOURCE_DIR "/docs/api.md") {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  static const std::regex kSection("^## (.+)$"), kHeading("^### `([^`]+)`$"),
      kFirstCell("^\\| `([a-z_]+)` \\|"), kErrorRow("^\\| (-[0-9]+) \\| `([a-z_]+)` \\|(.*)\\|$");
  ApiDoc doc;
  std::string section, heading, line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, kSection)) {
      section = m[1];
      heading.clear();
    } else if (std::regex_match(line, m, kHeading)) {
      heading = m[1];
      if (section == "Methods") doc.methods[heading];
      if (section == "Notifications") doc.notifications.insert(heading);
    } else if (section == "Methods" && !heading.empty() && std::regex_search(line, m, kFirstCell)) {
      doc.methods[heading].insert(m[1]);
    } else if (section == "Errors" && std::regex_match(line, m, kErrorRow)) {
      std::string rest = m[3];  // the cells after the reason: keep the last
      std::string last =
          rest.substr(rest.rfind('|') == std::string::npos ? 0 : rest.rfind('|') + 1);
      last = std::regex_replace(last, std::regex("^ +| +$"), "");
      doc.errors.push_back({std::stoll(m[1]), m[2], last});
    } else if (section == "Errors" && heading == "data" && std::regex_search(line, m, kFirstCell)) {
      doc.data_members.insert(m[1]);
    }
  }
  return doc;
}

}  // namespace roster::testing

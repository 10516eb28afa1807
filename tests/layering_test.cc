// layering_test.cc — the storage seam holds: no file under src/daemon reaches
// past store::Engine and store::Registry into SQL. Each rule names what it
// keeps out: the SQLite headers (SQLiteCpp, sqlite3.h), the store's SQLite
// connection, pragmas, and SQLite's own tables and functions (sqlite_*).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Rule {
  const char* what;
  std::regex pattern;
};

std::vector<std::string> Violations(const fs::path& dir, const std::vector<Rule>& rules) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      for (const auto& rule : rules) {
        if (std::regex_search(line, rule.pattern)) {
          out.push_back(entry.path().filename().string() + ":" + std::to_string(n) + " " +
                        rule.what + ": " + line);
        }
      }
    }
  }
  return out;
}

std::vector<Rule> SeamRules() {
  return {
      {"includes SQLiteCpp", std::regex(R"(#\s*include\s*[<"]SQLiteCpp)")},
      {"includes sqlite3.h", std::regex(R"(#\s*include\s*[<"]sqlite3\.h)")},
      {"includes the SQLite connection",
       std::regex(R"(#\s*include\s*"store/(connection|sqlite_statement|file_engine)\.h")")},
      {"issues a pragma", std::regex(R"((^|[^#\w])pragma\b)", std::regex::icase)},
      {"names SQLite internals", std::regex(R"(sqlite_\w+|sqlite3_\w+)", std::regex::icase)},
  };
}

TEST(Layering, NoDaemonFileReachesPastTheStorageSeam) {
  const fs::path daemon = fs::path(ROSTER_SOURCE_DIR) / "src" / "daemon";
  ASSERT_TRUE(fs::is_directory(daemon)) << daemon;
  std::ostringstream found;
  for (const auto& v : Violations(daemon, SeamRules())) found << v << "\n";
  EXPECT_EQ(found.str(), "");
}

// The rules find what they are meant to: a file that breaks each one is caught.
TEST(Layering, TheRulesCatchEachKindOfLeak) {
  const fs::path dir = fs::temp_directory_path() / ("roster-layering-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.cc") << "#pragma once\n"
                                   "#include <SQLiteCpp/Database.h>\n"
                                   "#include <sqlite3.h>\n"
                                   "#include \"store/connection.h\"\n"
                                   "db.exec(\"PRAGMA data_version\");\n"
                                   "q(\"SELECT name FROM sqlite_master\");\n";
  auto v = Violations(dir, SeamRules());
  fs::remove_all(dir);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_NE(v[0].find("bad.cc:2 includes SQLiteCpp"), std::string::npos) << v[0];
  EXPECT_NE(v[1].find("bad.cc:3 includes sqlite3.h"), std::string::npos) << v[1];
  EXPECT_NE(v[2].find("bad.cc:4 includes the SQLite connection"), std::string::npos) << v[2];
  EXPECT_NE(v[3].find("bad.cc:5 issues a pragma"), std::string::npos) << v[3];
  EXPECT_NE(v[4].find("bad.cc:6 names SQLite internals"), std::string::npos) << v[4];
}

}  // namespace

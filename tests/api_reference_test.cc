// api_reference_test.cc — docs/api.md against the code, so that the page a
// client author reads is the API rosterd serves: the dispatcher's methods
// and the params each reads, the notifications the daemon sends, the error
// table (util/error_table.h) and the members of an error's `data`. Each
// test fails both for something the code has and the page lacks, and for
// something the page documents that the code does not have. (That a
// documented param is accepted by the running daemon is
// DaemonApi.EveryDocumentedParamIsAKnownField.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api_doc.h"
#include "core/entities.h"
#include "daemon/jsonrpc.h"
#include "daemon/methods.h"
#include "util/error_table.h"

namespace roster {
namespace {

using testing::ApiDoc;
using testing::ReadApiDoc;

// Every string literal in the files under src/`dir` that matches `pattern`
// (its first group).
std::set<std::string> SourceMatches(const std::string& dir, const std::regex& pattern) {
  std::set<std::string> out;
  for (const auto& f :
       std::filesystem::recursive_directory_iterator(ROSTER_SOURCE_DIR "/src/" + dir)) {
    const auto ext = f.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    std::stringstream text;
    text << std::ifstream(f.path()).rdbuf();
    const std::string s = text.str();
    for (std::sregex_iterator it(s.begin(), s.end(), pattern), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

template <typename K, typename V>
std::set<K> Keys(const std::map<K, V>& m) {
  std::set<K> out;
  for (const auto& [k, v] : m) out.insert(k);
  return out;
}

TEST(ApiReference, DocumentsEveryMethodOfTheDispatcherAndNoOther) {
  const auto methods = daemon::KnownMethods();
  EXPECT_EQ(Keys(ReadApiDoc().methods), std::set<std::string>(methods.begin(), methods.end()));
}

TEST(ApiReference, DocumentsExactlyTheParamsEachMethodReads) {
  const ApiDoc doc = ReadApiDoc();
  int checked = 0;
  for (const auto& method : daemon::KnownMethods()) {
    auto read = daemon::ParamNames(method);
    if (!read) continue;  // served by the dispatcher itself: watch, unwatch, status
    auto it = doc.methods.find(method);
    ASSERT_NE(it, doc.methods.end()) << method;
    EXPECT_EQ(it->second, std::set<std::string>(read->begin(), read->end())) << method;
    ++checked;
  }
  EXPECT_GE(checked, 20);  // the decoded methods were all seen
}

TEST(ApiReference, DocumentsEveryNotificationTheDaemonSendsAndNoOther) {
  const auto sent = SourceMatches("daemon", std::regex(R"re("(watch\.[a-z_]+)")re"));
  EXPECT_EQ(ReadApiDoc().notifications, sent);
  EXPECT_EQ(sent.size(), 4u);  // event, synced, progress, error: the scan found them
}

TEST(ApiReference, DocumentsEveryErrorCodeWithItsReasonAndExitStatus) {
  const ApiDoc doc = ReadApiDoc();
  std::set<std::pair<int64_t, std::string>> documented;
  for (const auto& row : doc.errors) documented.insert({row.code, row.reason});
  std::set<std::pair<int64_t, std::string>> in_code;
  for (const CodeRow& row : AllCodes()) {
    if (row.code == Code::kOk) continue;
    in_code.insert({row.rpc_code, std::string(row.reason)});
    bool found = false;
    for (const auto& d : doc.errors) {
      if (d.code != row.rpc_code) continue;
      found = true;
      EXPECT_EQ(d.reason, row.reason) << d.code;
      EXPECT_EQ(d.last_cell, std::to_string(row.exit)) << "rosterctl's exit for " << row.reason;
    }
    EXPECT_TRUE(found) << row.reason << " (" << row.rpc_code << ") is not in docs/api.md";
  }
  // The other rows are the protocol's own errors, as the codec sends them.
  std::set<std::pair<int64_t, std::string>> protocol;
  for (const auto& d : documented) {
    if (!in_code.count(d)) protocol.insert(d);
  }
  std::set<std::pair<int64_t, std::string>> sent;
  for (const auto& e :
       {daemon::jsonrpc::Error::ParseError("x"), daemon::jsonrpc::Error::InvalidRequest("x"),
        daemon::jsonrpc::Error::MethodNotFound("x")}) {
    sent.insert({e.code, std::string(e.status.reason())});
  }
  EXPECT_EQ(protocol, sent);
}

// watch's `entities` param names every entity, in the entity table's order,
// and says which ones a snapshot leaves out unless asked; watch.event's
// table gives each one's key and data.
TEST(ApiReference, WatchNamesEveryEntity) {
  std::stringstream in;
  in << std::ifstream(ROSTER_SOURCE_DIR "/docs/api.md").rdbuf();
  const std::string text = in.str();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m, std::regex(R"(\| `entities` \| [^|]+ \| only these: ([^(]+) \(([^)]+)\) \|)")));
  std::string listed;
  const std::string names = m[1];
  std::regex name("`([a-z_]+)`");
  for (std::sregex_iterator it(names.begin(), names.end(), name), end; it != end; ++it) {
    listed += (listed.empty() ? "" : " ") + (*it)[1].str();
  }
  EXPECT_EQ(listed, EntityNames(" "));
  const size_t from = text.find("### `watch.event`"), to = text.find("\n### ", from + 1);
  ASSERT_NE(from, std::string::npos);
  const std::string event = text.substr(from, to - from);
  for (const Entity* e : kEntities) {
    if (!e->in_default_snapshot) {
      EXPECT_NE(m[2].str().find("`" + std::string(e->name) + "`"), std::string::npos)
          << "docs/api.md should say a snapshot includes " << e->name << " only when asked";
    }
    EXPECT_NE(event.find("\n| `" + std::string(e->name) + "` |"), std::string::npos)
        << "watch.event's table lacks " << e->name;
  }
}

TEST(ApiReference, DocumentsEveryMemberAnErrorsDataCarries) {
  const auto with = SourceMatches("", std::regex(R"re(\.With\(\s*"([a-z_]+)")re"));
  EXPECT_EQ(ReadApiDoc().data_members, with);
  EXPECT_TRUE(with.count("cause"));  // the scan found the details
}

}  // namespace
}  // namespace roster

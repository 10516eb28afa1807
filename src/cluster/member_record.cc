// member_record.cc — reading, writing and resolving DATA/member.json (see
// the header).
#include "cluster/member_record.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/dqlite/node.h"
#include "store/dqlite_engine.h"
#include "util/durable_file.h"

namespace roster::cluster {

namespace json = boost::json;

namespace {

const char* StateName(MemberRecord::State s) {
  switch (s) {
    case MemberRecord::State::kJoining:
      return "joining";
    case MemberRecord::State::kMember:
      return "member";
    case MemberRecord::State::kLeft:
      return "left";
  }
  return "member";
}

}  // namespace

std::string MemberRecordPath(const std::string& data_dir) { return data_dir + "/member.json"; }

Result<std::optional<MemberRecord>> ReadMemberRecord(const std::string& data_dir) {
  const std::string path = MemberRecordPath(data_dir);
  std::ifstream in(path);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<MemberRecord>();
    return Status::Unavailable("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto bad = [&](const std::string& why) {
    return Status::Unavailable(path + " is not a member record (" + why +
                               "); it says which node of which cluster this data directory is: "
                               "restore it, or start a new member with another --data");
  };
  boost::system::error_code ec;
  json::value v = json::parse(text.str(), ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const json::object& o = v.as_object();
  MemberRecord r;
  auto id = o.if_contains("id");
  auto address = o.if_contains("address");
  auto state = o.if_contains("state");
  if (!id || !id->is_number()) return bad("no id");
  auto n = json::try_value_to<uint64_t>(*id);
  if (!n || *n == 0) return bad("no id");
  r.id = *n;
  if (!address || !address->is_string()) return bad("no address");
  r.address = std::string(address->as_string());
  const std::string s = state && state->is_string() ? std::string(state->as_string()) : "";
  if (s == "joining") {
    r.state = MemberRecord::State::kJoining;
  } else if (s == "member") {
    r.state = MemberRecord::State::kMember;
  } else if (s == "left") {
    r.state = MemberRecord::State::kLeft;
  } else {
    return bad("no state");
  }
  if (auto j = o.if_contains("join"); j && j->is_string()) r.join = std::string(j->as_string());
  return std::optional<MemberRecord>(std::move(r));
}

Status WriteMemberRecord(const std::string& data_dir, const MemberRecord& r) {
  json::object o{{"id", r.id}, {"address", r.address}, {"state", StateName(r.state)}};
  if (r.state == MemberRecord::State::kJoining) o["join"] = r.join;
  return WriteFileDurably(MemberRecordPath(data_dir), json::serialize(o) + "\n");
}

Result<MemberRecord> ResolveIdentity(const std::string& data_dir, const std::string& cluster,
                                     const std::string& join, std::string* note) {
  auto read = ReadMemberRecord(data_dir);
  if (!read.ok()) return read.status();
  if (read->has_value()) {
    MemberRecord r = std::move(**read);
    const std::string path = MemberRecordPath(data_dir);
    if (r.address != cluster) {
      return Status::InvalidState("the data directory " + data_dir + " belongs to the member at " +
                                  r.address + " (node " + std::to_string(r.id) + ", " + path +
                                  "), not " + cluster + ": start it with --cluster " + r.address +
                                  ", or use another --data for a new member");
    }
    if (r.state == MemberRecord::State::kLeft) {
      return Status::InvalidState("the member at " + cluster + " (node " + std::to_string(r.id) +
                                  ") left its cluster (" + path +
                                  "); to join again, start a new member with another --data "
                                  "and --join");
    }
    if (r.state == MemberRecord::State::kJoining && !join.empty()) r.join = join;
    if (r.state == MemberRecord::State::kMember && !join.empty()) {
      *note = "--join " + join + " ignored: this member (node " + std::to_string(r.id) +
              ") already belongs to its cluster (" + path + "); it rejoins by itself";
    }
    return r;
  }
  MemberRecord r;
  r.address = cluster;
  std::error_code ec;
  const bool has_node = std::filesystem::exists(store::DqliteNodeDir(data_dir), ec);
  if (join.empty() || has_node) {
    // A new cluster, or the node a single-node rosterd left here (id 1).
    r.id = 1;
    r.state = MemberRecord::State::kMember;
    if (!join.empty()) {
      *note = "--join " + join + " ignored: " + data_dir +
              " already holds a node of its own cluster (node 1); use another --data to join";
    }
  } else {
    r.id = store::dqlite::GenerateNodeId(cluster);
    r.state = MemberRecord::State::kJoining;
    r.join = join;
  }
  ROSTER_RETURN_IF_ERROR(WriteMemberRecord(data_dir, r));
  return r;
}

}  // namespace roster::cluster

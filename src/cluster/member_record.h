// member_record.h — DATA/member.json: who this rosterd is in its cluster,
// written durably (util/durable_file.h) so that a restart knows its node id
// and rejoins by itself.
//
//   {"id":N,"address":"IP:PORT","state":"member"}
//
// id: 1 for the member that bootstrapped the cluster (dqlite bootstraps a
// cluster of one for id 1), else dqlite_generate_node_id(address) chosen at
// the first start with --join. state: "joining" (the id was chosen; the
// cluster has not confirmed it yet: the next start asks again, through
// `join`), "member", or "left" (cluster.leave removed it: it never serves
// again from this directory).
//
// Thread-safety: plain functions; the member calls them at start and leave.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/status.h"

namespace roster::cluster {

struct MemberRecord {
  enum class State { kJoining, kMember, kLeft };
  uint64_t id = 0;
  std::string address;  // the node's --cluster address
  State state = State::kMember;
  std::string join;  // kJoining: the member it joins through
};

std::string MemberRecordPath(const std::string& data_dir);

// The record, nullopt when there is none yet; a file that is not one is an
// error naming it.
Result<std::optional<MemberRecord>> ReadMemberRecord(const std::string& data_dir);
Status WriteMemberRecord(const std::string& data_dir, const MemberRecord& record);

// Who this start is, from the record (if any), --cluster and --join:
//  - a record: its id; a different --cluster is refused (the data belongs to
//    the member at the recorded address), as is a member that left; --join
//    is ignored once it is a member (*note says so, for the log);
//  - none: id 1 (bootstrap; also a data directory the single-node engine
//    left, whose node is id 1), or with --join a new id, state joining.
// Writes the record when it is new.
Result<MemberRecord> ResolveIdentity(const std::string& data_dir, const std::string& cluster,
                                     const std::string& join, std::string* note);

}  // namespace roster::cluster

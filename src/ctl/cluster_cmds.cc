// cluster_cmds.cc — rosterctl's `cluster` group: status (this member's view,
// answered by the member whose socket rosterctl uses), members and leave
// (answered by the cluster's primary).
#include <charconv>
#include <iostream>

#include "ctl/cli.h"

namespace roster::ctl {

namespace {

// id, address, role and the leader's star, one row per member.
std::string MembersTable(const json::array& members) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : members) {
    const auto& o = m.as_object();
    std::string reachable;
    if (const auto* r = o.if_contains("reachable"); r && r->is_bool()) {
      reachable = r->as_bool() ? "yes" : "no";
    }
    rows.push_back({Text(o.at("id")), Text(o.at("address")), Text(o.at("role")),
                    o.at("leader").as_bool() ? "leader" : "", reachable});
  }
  return Table({"ID", "ADDRESS", "ROLE", "LEADER", "REACHABLE"}, rows);
}

std::string StatusText(const json::value& r) {
  json::object head = r.as_object();
  const json::value members = head.contains("members") ? head.at("members") : json::value();
  head.erase("members");
  std::string out = KeyValues(head);
  if (members.is_array()) out += "\n" + MembersTable(members.as_array());
  return out;
}

}  // namespace

void AddClusterCommands(CLI::App& app, Opts& o, Context& ctx, Plan& plan) {
  auto* c = app.add_subcommand("cluster", "the dqlite cluster's members: status, members, leave");
  c->require_subcommand(1);
  c->add_subcommand("status", "this member: its node, its role (primary or relay), the leader")
      ->callback(
          [&] { plan.run = [&] { return RunCall(ctx, "cluster.status", {}, StatusText); }; });
  c->add_subcommand("members", "every member: id, address, role, leader, reachable")->callback([&] {
    plan.run = [&] {
      return RunCall(ctx, "cluster.members", {},
                     [](auto& r) { return MembersTable(r.as_array()); });
    };
  });
  auto* leave = c->add_subcommand(
      "leave", "remove a member from the cluster (default: the one this socket belongs to)");
  leave->add_option("id", o.id, "the member's node id (cluster members lists them)")
      ->type_name("ID");
  leave->callback([&] {
    plan.run = [&]() -> int {
      json::object p;
      if (!o.id.empty()) {
        int64_t id = 0;
        auto [end, ec] = std::from_chars(o.id.data(), o.id.data() + o.id.size(), id);
        if (ec != std::errc() || end != o.id.data() + o.id.size() || id < 1) {
          std::cerr << "rosterctl: cluster leave: " << o.id
                    << " is not a node id (a positive integer; see rosterctl cluster members)\n";
          return kExitUsage;
        }
        p["id"] = id;
      } else {
        // This member: its id from its own view (cluster.status).
        auto client = Client::Connect(ctx.socket);
        if (!client.ok()) return Fail(client.status());
        auto own = client.value()->Call("cluster.status", {});
        if (!own.ok()) return Fail(own.status());
        p["id"] = own->at("id");
      }
      return RunCall(ctx, "cluster.leave", p,
                     [](auto& r) { return "node " + Text(r.at("id")) + " left the cluster\n"; });
    };
  });
}

}  // namespace roster::ctl

// teams.cc — team rules: up (idempotent upsert keeping started_at, with the
// one-live-root-per-project conflict), down, list, roster, orphans, stale.
// A team root is a path on the host that brought the team up: only that
// host's rosterd looks for its compose marker (the conflict, stale).
#include <set>

#include "store/registry_txn.h"
#include "store/rows.h"
#include "store/validate.h"

namespace roster::store {

#define ROSTER_TEAM_SELECT                                                          \
  "SELECT t.project_id, t.root, t.tmux_prefix, t.started_at, t.updated_at, "        \
  "(SELECT json_group_array(agent) FROM (SELECT agent FROM team_agents AS a "       \
  "WHERE a.project_id = t.project_id AND a.root = t.root ORDER BY agent)), t.host " \
  "FROM teams AS t "

namespace {

Team ReadTeam(Statement& q) {
  Team t{q.getColumn(0).getString(),
         q.getColumn(1).getString(),
         OptText(q, 6),
         q.getColumn(2).getString(),
         {},
         q.getColumn(3).getInt64(),
         q.getColumn(4).getInt64()};
  json::value agents = ParseStoredJson(q.getColumn(5).getString());
  if (agents.is_array()) {
    for (const auto& a : agents.as_array()) {
      if (a.is_string()) t.agents.emplace_back(a.as_string());
    }
  }
  return t;
}

}  // namespace

Result<Team> Registry::LoadTeam(const std::string& project, const std::string& root) {
  auto& q = Stmt(ROSTER_TEAM_SELECT "WHERE t.project_id = ?1 AND t.root = ?2");
  q.bind(1, project);
  q.bind(2, root);
  if (!q.executeStep()) return Status::NotFound("no team " + project + " at " + root);
  return ReadTeam(q);
}

Result<Team> Registry::TeamUp(const TeamUpParams& p) {
  ROSTER_RETURN_IF_ERROR(CheckText("project_id", p.project_id, options_.max_field_bytes, false));
  ROSTER_RETURN_IF_ERROR(CheckText("root", p.root, options_.max_field_bytes, false));
  if (p.tmux_prefix) {
    ROSTER_RETURN_IF_ERROR(
        CheckText("tmux_prefix", *p.tmux_prefix, options_.max_field_bytes, true));
  }
  for (const auto& a : p.agents) {
    ROSTER_RETURN_IF_ERROR(CheckText("agents[]", a, options_.max_field_bytes, false));
  }
  return Write<Team>([&]() -> Result<Team> {
    // Only the roots of the team's own host conflict; the project up on
    // another machine is another checkout. And only this host's roots can
    // be looked at (with a host agent, none is this machine's to look at).
    const std::string& host = HostOf(p.host);
    if (ReadsFactsOf(host)) {
      auto& others = Stmt(
          "SELECT root FROM teams WHERE project_id = ?1 AND root <> ?2 AND host = ?3 ORDER BY "
          "root");
      others.bind(1, p.project_id);
      others.bind(2, p.root);
      others.bind(3, host);
      while (others.executeStep()) {
        std::string root = others.getColumn(0).getString();
        if (TeamRootLive(root, options_.compose_marker)) {
          return Status::Conflict("project " + p.project_id + " is already up at " + root +
                                  " (it holds " + options_.compose_marker +
                                  "); bring it down there first (team.down)");
        }
      }
    }
    const int64_t now = Now();
    auto& up = Stmt(
        "INSERT INTO teams (project_id, root, tmux_prefix, started_at, updated_at, host) "
        "VALUES (?1, ?2, coalesce(?3, ''), ?4, ?4, ?5) ON CONFLICT (project_id, root) DO UPDATE "
        "SET tmux_prefix = coalesce(?3, tmux_prefix), updated_at = ?4, host = ?5, "
        "root_gone_at = NULL");
    up.bind(1, p.project_id);
    up.bind(2, p.root);
    BindOpt(up, 3, p.tmux_prefix);
    up.bind(4, now);
    up.bind(5, host);
    up.exec();
    auto& drop = Stmt(
        "DELETE FROM team_agents WHERE project_id = ?1 AND root = ?2 "
        "AND agent NOT IN (SELECT value FROM json_each(?3))");
    drop.bind(1, p.project_id);
    drop.bind(2, p.root);
    drop.bind(3, json::serialize(json::value_from(p.agents)));
    drop.exec();
    auto& add = Stmt("INSERT OR IGNORE INTO team_agents VALUES (?1, ?2, ?3, ?4)");
    for (const auto& agent : p.agents) {
      add.reset();
      add.bind(1, p.project_id);
      add.bind(2, p.root);
      add.bind(3, agent);
      add.bind(4, now);
      add.exec();
    }
    return LoadTeam(p.project_id, p.root);
  });
}

Result<int64_t> Registry::TeamDown(const std::string& root,
                                   const std::optional<std::string>& project) {
  ROSTER_RETURN_IF_ERROR(CheckText("root", root, options_.max_field_bytes, false));
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& q = Stmt("DELETE FROM teams WHERE root = ?1 AND (?2 IS NULL OR project_id = ?2)");
    q.bind(1, root);
    BindOpt(q, 2, project);
    return static_cast<int64_t>(q.exec());
  });
}

Result<std::vector<Team>> Registry::TeamList(const std::optional<std::string>& root) {
  return Read<std::vector<Team>>([&]() -> Result<std::vector<Team>> {
    auto& q =
        Stmt(ROSTER_TEAM_SELECT "WHERE ?1 IS NULL OR t.root = ?1 ORDER BY t.root, t.project_id");
    BindOpt(q, 1, root);
    std::vector<Team> out;
    while (q.executeStep()) out.push_back(ReadTeam(q));
    return out;
  });
}

Result<std::vector<RosterEntry>> Registry::TeamRoster(const std::string& root) {
  return Read<std::vector<RosterEntry>>([&]() -> Result<std::vector<RosterEntry>> {
    auto& q = Stmt(
        "SELECT project_id, agent, tmux_session FROM team_roster WHERE root = ?1 "
        "ORDER BY project_id, agent");
    q.bind(1, root);
    std::vector<RosterEntry> out;
    while (q.executeStep()) {
      out.push_back(
          {q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
    }
    return out;
  });
}

Result<std::vector<RosterEntry>> Registry::TeamOrphans(const OrphansParams& p) {
  std::set<std::string> desired;
  for (const auto& d : p.desired) {
    if (d.find(':') == std::string::npos || d.front() == ':' || d.back() == ':') {
      return Status::InvalidParams("desired entries must be \"project:agent\" (got \"" + d + "\")");
    }
    desired.insert(d);
  }
  if (p.per_agent) return std::vector<RosterEntry>{};  // a per-agent teardown orphans nobody
  auto roster = TeamRoster(p.root);
  if (!roster.ok()) return roster.status();
  std::vector<RosterEntry> out;
  for (auto& e : *roster) {
    if (p.project_id && e.project_id != *p.project_id) continue;
    if (!desired.count(e.project_id + ":" + e.agent)) out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Team>> Registry::TeamStale() {
  if (options_.host_agent) {
    return Read<std::vector<Team>>([&]() -> Result<std::vector<Team>> {
      auto& q =
          Stmt(ROSTER_TEAM_SELECT "WHERE t.root_gone_at IS NOT NULL ORDER BY t.root, t.project_id");
      std::vector<Team> out;
      while (q.executeStep()) out.push_back(ReadTeam(q));
      return out;
    });
  }
  auto all = TeamList(std::nullopt);
  if (!all.ok()) return all.status();
  std::vector<Team> out;
  for (auto& t : *all) {
    if (!options_.host_agent && t.host == options_.host &&
        !TeamRootLive(t.root, options_.compose_marker)) {
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Only a change of state is written: root_gone_at keeps when the root was
// first found without its marker.
Result<int64_t> Registry::SetTeamRoots(const std::string& host,
                                       const std::vector<TeamRootState>& roots) {
  return Write<int64_t>([&]() -> Result<int64_t> {
    auto& set = Stmt(
        "UPDATE teams SET root_gone_at = CASE WHEN ?3 THEN NULL ELSE ?5 END "
        "WHERE project_id = ?1 AND root = ?2 AND host = ?4 AND (root_gone_at IS NULL) <> ?3");
    int64_t n = 0;
    for (const auto& r : roots) {
      set.reset();
      set.bind(1, r.project_id);
      set.bind(2, r.root);
      set.bind(3, static_cast<int64_t>(r.live));
      set.bind(4, host);
      set.bind(5, Now());
      n += set.exec();
    }
    return n;
  });
}

}  // namespace roster::store

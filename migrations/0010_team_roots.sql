-- 0010_team_roots: a team root is a directory on its host, which only that
-- host can look at. A rosterd that probes its own host looks when asked
-- (team.stale); in a cluster each host's agent looks and reports
-- (host.report teams), and the core records here since when a root has
-- lost its compose marker (NULL: it holds it, or nobody reported yet).
-- Not part of the team's row JSON: like team.stale, not a change of the feed.
ALTER TABLE teams ADD COLUMN root_gone_at INTEGER;

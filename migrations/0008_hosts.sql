-- 0008_hosts: per-machine facts carry their machine.
--
-- A pid, a pid start time, a tmux session or pane and a team root mean
-- something only on the machine they were read on. Sessions, pauses and teams
-- get the `host` of the rosterd that registered them (daemon/host_id.h), in
-- their rows and in their feed row JSON; a rosterd probes only its own host's
-- sessions and teams. `hosts` has one row per rosterd that served this
-- database: its heartbeat (last_seen, written every quarter of
-- host_timeout_ms), by which the sessions of a host that stopped writing it
-- are reported unreachable rather than judged.
--
-- Existing rows get no host here (SQL cannot know the machine): NULL means
-- "not claimed yet", and a rosterd claims every such row for its own host
-- when it starts, before the restart grace (a database is served by the
-- machine it was on), and then at every cleanup round (rows a sqlite3 user
-- inserts without a host), through the *_unclaimed indexes (empty but for
-- such rows).
-- The expiry sweep's and the process probe's indexes lead with host, so
-- each rosterd walks only its own sessions.

ALTER TABLE sessions ADD COLUMN host TEXT;
ALTER TABLE pauses ADD COLUMN host TEXT;
ALTER TABLE teams ADD COLUMN host TEXT;

CREATE TABLE hosts (
  host       TEXT PRIMARY KEY,
  hostname   TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL
) STRICT;

DROP INDEX sessions_expiry_check;
CREATE INDEX sessions_expiry_check ON sessions (host, expiry_check_at)
  WHERE status IN ('active', 'idle') AND pid IS NULL;

DROP INDEX sessions_pid_probe;
CREATE INDEX sessions_pid_probe ON sessions (host, id)
  WHERE status IN ('active', 'idle') AND pid IS NOT NULL;

CREATE INDEX sessions_unclaimed ON sessions (id) WHERE host IS NULL;
CREATE INDEX pauses_unclaimed ON pauses (id) WHERE host IS NULL;
CREATE INDEX teams_unclaimed ON teams (project_id, root) WHERE host IS NULL;

-- The row JSON of sessions, pauses and teams gains host (the triggers read
-- these views, so they follow).
DROP VIEW feed_sessions;
CREATE VIEW feed_sessions AS
SELECT 'session' AS entity, id AS key, id AS session_id,
       json_object('id', id, 'name', name, 'host', host, 'root', root, 'branch', branch,
                   'pid', pid, 'tmux_session', tmux_session, 'tmux_pane', tmux_pane,
                   'tmux_socket', tmux_socket, 'status', status,
                   'status_reason', status_reason, 'activity', activity,
                   'created_at', created_at, 'updated_at', updated_at, 'last_seen', last_seen,
                   'ttl_ms', ttl_ms, 'grace_until', grace_until,
                   'expires_at', CASE WHEN pid IS NULL
                                 THEN max(last_seen + ttl_ms, coalesce(grace_until, 0)) END,
                   'meta', json(meta)) AS data,
       rowid AS rowid
FROM sessions;

DROP VIEW feed_pauses;
CREATE VIEW feed_pauses AS
SELECT 'pause' AS entity, CAST(id AS TEXT) AS key, session_id,
       json_object('id', id, 'session_id', session_id, 'host', host, 'paused_at', paused_at,
                   'summary', summary, 'note', note, 'resumed_at', resumed_at,
                   'ended_by', ended_by) AS data,
       rowid AS rowid
FROM pauses;

DROP VIEW feed_teams;
CREATE VIEW feed_teams AS
SELECT 'team' AS entity, project_id || '@' || root AS key, NULL AS session_id,
       json_object('project_id', project_id, 'root', root, 'host', host,
                   'tmux_prefix', tmux_prefix, 'started_at', started_at,
                   'updated_at', updated_at) AS data,
       rowid AS rowid
FROM teams;

-- A session or team moving to another host (a re-register, a re-up there) is
-- a change.
DROP TRIGGER sessions_update;
CREATE TRIGGER sessions_update
AFTER UPDATE OF id, name, host, root, branch, pid, tmux_session, tmux_pane, tmux_socket, status,
  status_reason, activity, created_at, ttl_ms, meta
ON sessions
WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name OR OLD.host IS NOT NEW.host
  OR OLD.root IS NOT NEW.root OR OLD.branch IS NOT NEW.branch OR OLD.pid IS NOT NEW.pid
  OR OLD.tmux_session IS NOT NEW.tmux_session OR OLD.tmux_pane IS NOT NEW.tmux_pane
  OR OLD.tmux_socket IS NOT NEW.tmux_socket OR OLD.status IS NOT NEW.status
  OR OLD.status_reason IS NOT NEW.status_reason OR OLD.activity IS NOT NEW.activity
  OR OLD.created_at IS NOT NEW.created_at OR OLD.ttl_ms IS NOT NEW.ttl_ms
  OR OLD.meta IS NOT NEW.meta
BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_sessions WHERE rowid = NEW.rowid;
END;

DROP TRIGGER teams_update;
CREATE TRIGGER teams_update AFTER UPDATE ON teams
WHEN OLD.project_id IS NOT NEW.project_id OR OLD.root IS NOT NEW.root
  OR OLD.host IS NOT NEW.host OR OLD.tmux_prefix IS NOT NEW.tmux_prefix
  OR OLD.started_at IS NOT NEW.started_at
BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_teams WHERE rowid = NEW.rowid;
END;

-- Views for people gain host; hosts_view shows each host's heartbeat.
DROP VIEW sessions_view;
CREATE VIEW sessions_view AS
SELECT id, name, host, root, branch, pid, tmux_session, tmux_pane, status, status_reason,
       activity,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch') AS created,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') AS updated,
       strftime('%Y-%m-%dT%H:%M:%fZ', last_seen / 1000.0, 'unixepoch') AS last_seen,
       ttl_ms,
       strftime('%Y-%m-%dT%H:%M:%fZ', grace_until / 1000.0, 'unixepoch') AS grace_until,
       CASE WHEN status IN ('active', 'idle') AND pid IS NULL
            THEN round(max(last_seen + ttl_ms, coalesce(grace_until, 0)) / 1000.0
                       - (julianday('now') - 2440587.5) * 86400.0, 1)
       END AS expires_in_s,
       meta
FROM sessions;

DROP VIEW needs_user;
CREATE VIEW needs_user AS
SELECT name, activity, host, root, branch, tmux_session, tmux_pane, status,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') AS updated, id
FROM sessions
WHERE (activity = 'waiting_input' OR activity = 'waiting_permission')
  AND status IN ('active', 'idle', 'paused')
ORDER BY updated_at;

DROP VIEW team_roster;
CREATE VIEW team_roster AS
SELECT t.project_id, t.root, a.agent,
       t.tmux_prefix || t.project_id || '-' || a.agent AS tmux_session,
       strftime('%Y-%m-%dT%H:%M:%fZ', t.started_at / 1000.0, 'unixepoch') AS started, t.host
FROM teams AS t JOIN team_agents AS a ON a.project_id = t.project_id AND a.root = t.root;

CREATE VIEW hosts_view AS
SELECT h.host, h.hostname,
       strftime('%Y-%m-%dT%H:%M:%fZ', h.started_at / 1000.0, 'unixepoch') AS started,
       strftime('%Y-%m-%dT%H:%M:%fZ', h.last_seen / 1000.0, 'unixepoch') AS last_seen,
       round((julianday('now') - 2440587.5) * 86400.0 - h.last_seen / 1000.0, 1) AS seen_s_ago,
       (SELECT count(*) FROM sessions AS s
        WHERE s.host = h.host AND s.status IN ('active', 'idle', 'paused')) AS live_sessions
FROM hosts AS h;

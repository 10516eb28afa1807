-- roster.sql — the full current schema of Roster's database (schema version 9),
-- written for people who query it with the sqlite3 shell:
--
--   sqlite3 ~/.local/state/roster/roster.db
--
-- It is what applying every file in migrations/ to an empty database gives
-- (a test compares the two through sqlite_schema and the table pragmas). The
-- daemon keeps the file in WAL mode, so reading it while rosterd runs is safe;
-- writes from the shell are fine too and enter the change feed through the
-- triggers below exactly like the daemon's own writes (turn on
-- `PRAGMA foreign_keys=ON` first so deletes cascade).
--
-- Conventions
--   * Every table is STRICT: a value of the wrong type is an error, not coerced.
--   * Times are integer Unix milliseconds (UTC). The *_view views show ISO-8601.
--   * JSON columns (sessions.meta, log_entries.body, changes.data) hold JSON
--     text; use json_extract(meta, '$.model') and friends.
--
-- Tables
--   meta         key/value facts about the feed: 'feed_id' = its incarnation,
--                'compacted_rev' = its compaction horizon, 'rev_reserved' = the
--                rev high-water mark, 'open_run' = 'normal' while a sync-normal
--                daemon serves (docs/architecture.md, The feed's identity).
--   session_counts  number of sessions per status, kept by triggers (not in the feed).
--   sessions     one row per agent session. status is active | idle (alive),
--                paused (never expires; see pauses), stopped (ended; accepts
--                nothing but removal) or stale (expired: status_reason 'ttl' or
--                'process_exited'). A live session with a pid lives as long as
--                that process (stale 'process_exited' once it is gone); one
--                without a pid expires at max(last_seen + ttl_ms, grace_until)
--                (stale 'ttl'). last_seen is the last contact; grace_until the
--                restart grace (see migration 0006).
--                pid_start is the pid's start time (clock ticks since boot, from
--                /proc/PID/stat) so a reused pid is not taken for the session.
--                expiry_check_at is when the cleanup sweep next looks at the
--                session: never after its expiry (a trigger keeps it so); the
--                sweep marks it stale or moves the check to the expiry.
--                activity is what the agent does: working, waiting_input (its
--                turn ended, it waits for the user) or waiting_permission.
--                tmux_pane/tmux_socket say where rosterd types and reads;
--                branch is the root's git branch ('detached:1a2b3c4' for a
--                detached HEAD), re-read by rosterd every few seconds.
--                host is the machine the session runs on: the host of the
--                rosterd that registered it (daemon/host_id.h). Its pid, tmux
--                and root are probed by that host's rosterd only. NULL: not
--                claimed yet (a row from before schema 8, or inserted here
--                without one); a rosterd claims such rows at its start and
--                at its next cleanup round.
--   pauses       pause history; resumed_at IS NULL marks the (single) open pause;
--                ended_by says whether a resume or a stop ended it; host is
--                the session's host when it was paused (where its pane was read).
--   teams        a team of agents keyed (project_id, root); started_at survives
--                an idempotent re-up; host is where it was brought up (whose
--                rosterd checks its root). team_agents lists its agents.
--   hosts        one row per rosterd that served this database: its host,
--                the machine's hostname, when it started and its heartbeat
--                last_seen (written every quarter of host_timeout_ms). The
--                sessions of a host unseen for host_timeout_ms are reported
--                unreachable.
--   log_entries  per-session log. seq strictly increases per session; epoch
--                starts at 1 and is bumped by a rotation (compaction, fork).
--   request_keys the request_key of each keyed write (log.append, log.rotate)
--                with the answer it got, so a retry is applied once; kept for
--                request_key_retention_ms; not in the feed (migration 0008).
--   changes      the change feed: one row per insert/update/delete of the tables
--                above, written by triggers in the same transaction. rev never
--                repeats (AUTOINCREMENT), even after compaction. data is the row
--                as JSON after the change (the old row for a delete). key is the
--                session id, the pause id, 'project@root', 'project@root:agent'
--                or 'session_id:seq'. entity names a row of `entities` (a
--                foreign key: checked with foreign_keys on).
--   entities     the feed's entities: name (changes.entity), the table holding
--                its rows and its feed view.
--   feed_deleting  transient (empty between statements): the row image of a
--                session or team being deleted, between its two delete triggers.
--
-- Views
--   sessions_view   sessions with ISO times and expires_in_s (seconds left; NULL
--                   when no TTL applies: paused, ended, or bound to a pid).
--   live_sessions   the active and idle ones.
--   open_pauses     paused sessions with their summary and operator note.
--   needs_user      sessions whose agent waits for the user or for a permission
--                   answer ("which agents need me now?").
--   team_roster     one row per agent with its tmux session name
--                   {tmux_prefix}{project_id}-{agent}.
--   recent_changes  the newest 100 feed rows with ISO times.
--   hosts_view      each host with ISO times, seconds since its heartbeat and
--                   its live sessions.
--   feed_*          each entity's rows in the change feed's shape (entity, key,
--                   session_id, data) with their rowid: the one spelling of its
--                   row JSON, read by watch snapshots, session.list and the
--                   triggers.

PRAGMA user_version = 10;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  root          TEXT NOT NULL DEFAULT '',
  pid           INTEGER,
  pid_start     INTEGER,
  tmux_session  TEXT,
  status        TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'idle', 'paused', 'stopped', 'stale')),
  status_reason TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  ttl_ms        INTEGER NOT NULL CHECK (ttl_ms > 0),
  meta          TEXT NOT NULL DEFAULT '{}'
                CHECK (json_valid(meta) AND json_type(meta) = 'object'),
  expiry_check_at INTEGER NOT NULL DEFAULT 0,
  activity      TEXT
                CHECK (activity = 'working' OR activity = 'waiting_input'
                       OR activity = 'waiting_permission'),
  tmux_pane     TEXT,
  tmux_socket   TEXT,
  branch        TEXT,
  grace_until   INTEGER,
  host          TEXT
) STRICT;

CREATE INDEX sessions_status_updated ON sessions (status, updated_at);
CREATE INDEX sessions_root ON sessions (root);

-- The expiry sweep's index (migrations 0005, 0006, 0008). Heartbeats leave
-- expiry_check_at alone, so they move no entry here; the sweep moves a live
-- session's check to its expiry when the check comes due. Sessions with a pid
-- are not in it: their process, not a TTL, ends them. Each rosterd sweeps
-- its own host's sessions.
CREATE INDEX sessions_expiry_check ON sessions (host, expiry_check_at)
  WHERE status IN ('active', 'idle') AND pid IS NULL;

-- The process probe's walk over its host's live sessions that have a pid
-- (0006, 0008).
CREATE INDEX sessions_pid_probe ON sessions (host, id)
  WHERE status IN ('active', 'idle') AND pid IS NOT NULL;

-- Rows without a host, for the claim at each cleanup round (0008; empty but
-- for rows a sqlite3 user inserted without one).
CREATE INDEX sessions_unclaimed ON sessions (id) WHERE host IS NULL;

-- Keeps expiry_check_at <= last_seen + ttl_ms when a write (a shell's too)
-- brings a session's expiry closer.
CREATE TRIGGER sessions_expiry_check AFTER UPDATE OF last_seen, ttl_ms ON sessions
WHEN NEW.expiry_check_at > NEW.last_seen + NEW.ttl_ms BEGIN
  UPDATE sessions SET expiry_check_at = NEW.last_seen + NEW.ttl_ms WHERE id = NEW.id;
END;

CREATE TABLE pauses (
  id         INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  paused_at  INTEGER NOT NULL,
  summary    TEXT NOT NULL,
  note       TEXT,
  resumed_at INTEGER,
  ended_by   TEXT CHECK (ended_by = 'resume' OR ended_by = 'stop'),
  host       TEXT
) STRICT;

CREATE INDEX pauses_session ON pauses (session_id, paused_at);
CREATE UNIQUE INDEX pauses_one_open ON pauses (session_id) WHERE resumed_at IS NULL;
CREATE INDEX pauses_unclaimed ON pauses (id) WHERE host IS NULL;

CREATE TABLE teams (
  project_id  TEXT NOT NULL,
  root        TEXT NOT NULL,
  tmux_prefix TEXT NOT NULL DEFAULT '',
  started_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  host        TEXT,
  -- Since when its host's agent found the root without its compose marker
  -- (a cluster; team.stale lists it); NULL otherwise. Not in the feed.
  root_gone_at INTEGER,
  PRIMARY KEY (project_id, root)
) STRICT;

CREATE INDEX teams_root ON teams (root);
CREATE INDEX teams_unclaimed ON teams (project_id, root) WHERE host IS NULL;

CREATE TABLE team_agents (
  project_id TEXT NOT NULL,
  root       TEXT NOT NULL,
  agent      TEXT NOT NULL,
  added_at   INTEGER NOT NULL,
  PRIMARY KEY (project_id, root, agent),
  FOREIGN KEY (project_id, root) REFERENCES teams (project_id, root) ON DELETE CASCADE
) STRICT;

CREATE TABLE log_entries (
  id         INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  epoch      INTEGER NOT NULL,
  ts         INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  body       TEXT NOT NULL CHECK (json_valid(body)),
  UNIQUE (session_id, seq)
) STRICT;

CREATE INDEX log_entries_ts ON log_entries (ts);

CREATE TABLE hosts (
  host       TEXT PRIMARY KEY,
  hostname   TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL
) STRICT;

-- The feed's entities (core/entities.h is the same list for the programs):
-- changes.entity names one of them, and each has its table and its feed view.
CREATE TABLE entities (
  name       TEXT PRIMARY KEY,
  table_name TEXT NOT NULL UNIQUE,
  feed_view  TEXT NOT NULL UNIQUE
) STRICT, WITHOUT ROWID;

INSERT INTO entities (name, table_name, feed_view) VALUES
  ('session', 'sessions', 'feed_sessions'),
  ('pause', 'pauses', 'feed_pauses'),
  ('team', 'teams', 'feed_teams'),
  ('team_agent', 'team_agents', 'feed_team_agents'),
  ('log', 'log_entries', 'feed_logs');

-- ts is Unix milliseconds from SQLite's own clock: the triggers leave it to
-- this default (the one place the feed's clock is spelled).
CREATE TABLE changes (
  rev        INTEGER PRIMARY KEY AUTOINCREMENT,
  ts         INTEGER NOT NULL
             DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)),
  entity     TEXT NOT NULL REFERENCES entities (name),
  op         TEXT NOT NULL CHECK (op = 'insert' OR op = 'update' OR op = 'delete'),
  key        TEXT NOT NULL,
  session_id TEXT,
  data       TEXT NOT NULL
) STRICT;

-- The image of a sessions or teams row being deleted, kept by its BEFORE
-- DELETE trigger until its AFTER DELETE trigger writes it to the feed: SQLite
-- deletes the rows that reference it (ON DELETE CASCADE) in between, and
-- their deletes come first in the feed. Empty outside a DELETE statement.
CREATE TABLE feed_deleting (
  entity     TEXT NOT NULL,
  row        INTEGER NOT NULL,
  key        TEXT NOT NULL,
  session_id TEXT,
  data       TEXT NOT NULL,
  PRIMARY KEY (entity, row)
) STRICT, WITHOUT ROWID;

-- Row images as JSON, each spelled once: the feed_* view of an entity is its
-- rows in the feed's shape (entity, key, session_id, data) and their rowid.
-- Watch snapshots read these views, and so do the triggers below: an insert
-- or update is read back by rowid after it is written, a delete before the
-- row goes.

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

CREATE VIEW feed_pauses AS
SELECT 'pause' AS entity, CAST(id AS TEXT) AS key, session_id,
       json_object('id', id, 'session_id', session_id, 'host', host, 'paused_at', paused_at,
                   'summary', summary, 'note', note, 'resumed_at', resumed_at,
                   'ended_by', ended_by) AS data,
       rowid AS rowid
FROM pauses;

CREATE VIEW feed_teams AS
SELECT 'team' AS entity, project_id || '@' || root AS key, NULL AS session_id,
       json_object('project_id', project_id, 'root', root, 'host', host,
                   'tmux_prefix', tmux_prefix, 'started_at', started_at,
                   'updated_at', updated_at) AS data,
       rowid AS rowid
FROM teams;

CREATE VIEW feed_team_agents AS
SELECT 'team_agent' AS entity, project_id || '@' || root || ':' || agent AS key,
       NULL AS session_id,
       json_object('project_id', project_id, 'root', root, 'agent', agent,
                   'added_at', added_at) AS data,
       rowid AS rowid
FROM team_agents;

-- The body is spliced in as stored (valid JSON by its CHECK) and the text
-- fields quoted, instead of json_object re-parsing the body (migration 0004).
CREATE VIEW feed_logs AS
SELECT 'log' AS entity, session_id || ':' || seq AS key, session_id,
       '{"session_id":' || json_quote(session_id) || ',"seq":' || seq || ',"epoch":' || epoch
       || ',"ts":' || ts || ',"kind":' || json_quote(kind) || ',"body":' || body || '}' AS data,
       rowid AS rowid
FROM log_entries;

-- Change capture: one insert, update and delete trigger per entity table,
-- each a read of its feed view (sessions and teams: two for a delete, see
-- feed_deleting).

CREATE TRIGGER sessions_insert AFTER INSERT ON sessions BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_sessions WHERE rowid = NEW.rowid;
END;

-- A pure heartbeat (only last_seen, updated_at, pid_start, expiry_check_at or
-- grace_until moved) is not a change.
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

CREATE TRIGGER sessions_deleting BEFORE DELETE ON sessions BEGIN
  INSERT INTO feed_deleting (entity, row, key, session_id, data)
  SELECT entity, rowid, key, session_id, data FROM feed_sessions WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER sessions_delete AFTER DELETE ON sessions BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'delete', key, session_id, data FROM feed_deleting
  WHERE entity = 'session' AND row = OLD.rowid;
  DELETE FROM feed_deleting WHERE entity = 'session' AND row = OLD.rowid;
END;

CREATE TRIGGER pauses_insert AFTER INSERT ON pauses BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_pauses WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER pauses_update AFTER UPDATE ON pauses BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_pauses WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER pauses_delete BEFORE DELETE ON pauses BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'delete', key, session_id, data FROM feed_pauses WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER teams_insert AFTER INSERT ON teams BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_teams WHERE rowid = NEW.rowid;
END;

-- An idempotent re-up (only updated_at moved) is not a change.
CREATE TRIGGER teams_update AFTER UPDATE ON teams
WHEN OLD.project_id IS NOT NEW.project_id OR OLD.root IS NOT NEW.root
  OR OLD.host IS NOT NEW.host OR OLD.tmux_prefix IS NOT NEW.tmux_prefix
  OR OLD.started_at IS NOT NEW.started_at
BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_teams WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER teams_deleting BEFORE DELETE ON teams BEGIN
  INSERT INTO feed_deleting (entity, row, key, session_id, data)
  SELECT entity, rowid, key, session_id, data FROM feed_teams WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER teams_delete AFTER DELETE ON teams BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'delete', key, session_id, data FROM feed_deleting
  WHERE entity = 'team' AND row = OLD.rowid;
  DELETE FROM feed_deleting WHERE entity = 'team' AND row = OLD.rowid;
END;

CREATE TRIGGER team_agents_insert AFTER INSERT ON team_agents BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_team_agents WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER team_agents_update AFTER UPDATE ON team_agents BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_team_agents WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER team_agents_delete BEFORE DELETE ON team_agents BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'delete', key, session_id, data FROM feed_team_agents WHERE rowid = OLD.rowid;
END;

CREATE TRIGGER log_entries_insert AFTER INSERT ON log_entries BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_logs WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER log_entries_update AFTER UPDATE ON log_entries BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'update', key, session_id, data FROM feed_logs WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER log_entries_delete BEFORE DELETE ON log_entries BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'delete', key, session_id, data FROM feed_logs WHERE rowid = OLD.rowid;
END;

-- Views for people (ISO-8601 UTC times).

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

CREATE VIEW live_sessions AS
SELECT * FROM sessions_view WHERE status IN ('active', 'idle');

CREATE VIEW open_pauses AS
SELECT s.id AS session_id, s.name, s.root,
       strftime('%Y-%m-%dT%H:%M:%fZ', p.paused_at / 1000.0, 'unixepoch') AS paused,
       p.summary, p.note
FROM pauses AS p JOIN sessions AS s ON s.id = p.session_id
WHERE p.resumed_at IS NULL;

-- "Which agents need me now?": live or paused sessions whose agent waits for
-- the user (its turn ended) or for a permission answer, oldest change first
-- (updated: the session's last change, usually the start of the wait).
CREATE VIEW needs_user AS
SELECT name, activity, host, root, branch, tmux_session, tmux_pane, status,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') AS updated, id
FROM sessions
WHERE (activity = 'waiting_input' OR activity = 'waiting_permission')
  AND status IN ('active', 'idle', 'paused')
ORDER BY updated_at;

CREATE VIEW team_roster AS
SELECT t.project_id, t.root, a.agent,
       t.tmux_prefix || t.project_id || '-' || a.agent AS tmux_session,
       strftime('%Y-%m-%dT%H:%M:%fZ', t.started_at / 1000.0, 'unixepoch') AS started, t.host
FROM teams AS t JOIN team_agents AS a ON a.project_id = t.project_id AND a.root = t.root;

CREATE VIEW recent_changes AS
SELECT rev, strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000.0, 'unixepoch') AS time,
       entity, op, key, data
FROM changes ORDER BY rev DESC LIMIT 100;

CREATE VIEW hosts_view AS
SELECT h.host, h.hostname,
       strftime('%Y-%m-%dT%H:%M:%fZ', h.started_at / 1000.0, 'unixepoch') AS started,
       strftime('%Y-%m-%dT%H:%M:%fZ', h.last_seen / 1000.0, 'unixepoch') AS last_seen,
       round((julianday('now') - 2440587.5) * 86400.0 - h.last_seen / 1000.0, 1) AS seen_s_ago,
       (SELECT count(*) FROM sessions AS s
        WHERE s.host = h.host AND s.status IN ('active', 'idle', 'paused')) AS live_sessions
FROM hosts AS h;

-- Per-status session counts (migration 0002), kept by triggers; the live-session
-- limit reads them instead of counting rows.

CREATE TABLE session_counts (
  status TEXT PRIMARY KEY,
  n      INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO session_counts (status, n)
SELECT s.status, (SELECT count(*) FROM sessions WHERE status = s.status)
FROM (SELECT 'active' AS status UNION ALL SELECT 'idle' UNION ALL SELECT 'paused'
      UNION ALL SELECT 'stopped' UNION ALL SELECT 'stale') AS s;

CREATE TRIGGER session_counts_insert AFTER INSERT ON sessions BEGIN
  UPDATE session_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER session_counts_update AFTER UPDATE OF status ON sessions
WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE session_counts SET n = n - 1 WHERE status = OLD.status;
  UPDATE session_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER session_counts_delete AFTER DELETE ON sessions BEGIN
  UPDATE session_counts SET n = n - 1 WHERE status = OLD.status;
END;

-- Request keys (migration 0008): a keyed write and its answer, so that a retry
-- is answered instead of applied again. Not in the feed.

CREATE TABLE request_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,     -- method and parameters, hashed: a reuse for another request is refused
  result      TEXT NOT NULL,     -- the JSON answer the write got
  applied_at  INTEGER NOT NULL   -- Unix milliseconds
) STRICT, WITHOUT ROWID;

CREATE INDEX request_keys_applied ON request_keys (applied_at);

-- 0007_entities: each entity's row JSON spelled once, the feed's clock once,
-- and the entity set in a table, so that a new entity is a new table, view
-- and triggers, never a rebuild of `changes`.
--
-- Until now each entity's row JSON was written four times (its feed_* view
-- and its insert, update and delete triggers) and the clock fifteen times.
-- Now:
--   * the feed_* view is the one spelling of an entity's row in the feed's
--     shape (entity, key, session_id, data), plus the row's rowid, by which
--     the triggers read it: an insert's or update's AFTER trigger reads the
--     row as written; a delete's BEFORE trigger reads it before it goes.
--   * a table whose rows others reference ON DELETE CASCADE (sessions, teams)
--     cannot write its delete from a BEFORE trigger: SQLite deletes the
--     dependants between the BEFORE and the AFTER triggers, and the feed has
--     always carried their deletes first. Its BEFORE trigger keeps the row's
--     image in feed_deleting, its AFTER trigger moves it to the feed.
--   * changes.ts defaults to SQLite's clock (Unix milliseconds), so no
--     trigger names it.
--   * changes.entity references the new `entities` table instead of a CHECK
--     listing the names; the next entity is a row there. The rebuild below
--     (a CHECK cannot be altered) keeps every row, every rev and the
--     AUTOINCREMENT position, as 0003's did.
-- The rows the feed gets are the same as before, column for column and in
-- the same order (tests/feed_compat_test.cc runs a workload on both schemas).

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

-- Everything that names `changes` goes before it is rebuilt, and comes back after.
DROP TRIGGER sessions_insert;
DROP TRIGGER sessions_update;
DROP TRIGGER sessions_delete;
DROP TRIGGER pauses_insert;
DROP TRIGGER pauses_update;
DROP TRIGGER pauses_delete;
DROP TRIGGER teams_insert;
DROP TRIGGER teams_update;
DROP TRIGGER teams_delete;
DROP TRIGGER team_agents_insert;
DROP TRIGGER team_agents_update;
DROP TRIGGER team_agents_delete;
DROP TRIGGER log_entries_insert;
DROP TRIGGER log_entries_update;
DROP TRIGGER log_entries_delete;
DROP VIEW recent_changes;
DROP VIEW feed_sessions;
DROP VIEW feed_pauses;
DROP VIEW feed_teams;
DROP VIEW feed_team_agents;
DROP VIEW feed_logs;

ALTER TABLE changes RENAME TO changes_v6;

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

INSERT INTO changes (rev, ts, entity, op, key, session_id, data)
SELECT rev, ts, entity, op, key, session_id, data FROM changes_v6 ORDER BY rev;

DELETE FROM sqlite_sequence WHERE name = 'changes';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'changes', seq FROM sqlite_sequence WHERE name = 'changes_v6';

DROP TABLE changes_v6;

CREATE TABLE feed_deleting (
  entity     TEXT NOT NULL,
  row        INTEGER NOT NULL,
  key        TEXT NOT NULL,
  session_id TEXT,
  data       TEXT NOT NULL,
  PRIMARY KEY (entity, row)
) STRICT, WITHOUT ROWID;

CREATE VIEW recent_changes AS
SELECT rev, strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000.0, 'unixepoch') AS time,
       entity, op, key, data
FROM changes ORDER BY rev DESC LIMIT 100;

CREATE VIEW feed_sessions AS
SELECT 'session' AS entity, id AS key, id AS session_id,
       json_object('id', id, 'name', name, 'root', root, 'branch', branch, 'pid', pid,
                   'tmux_session', tmux_session, 'tmux_pane', tmux_pane,
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
       json_object('id', id, 'session_id', session_id, 'paused_at', paused_at,
                   'summary', summary, 'note', note, 'resumed_at', resumed_at,
                   'ended_by', ended_by) AS data,
       rowid AS rowid
FROM pauses;

CREATE VIEW feed_teams AS
SELECT 'team' AS entity, project_id || '@' || root AS key, NULL AS session_id,
       json_object('project_id', project_id, 'root', root, 'tmux_prefix', tmux_prefix,
                   'started_at', started_at, 'updated_at', updated_at) AS data,
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

CREATE TRIGGER sessions_insert AFTER INSERT ON sessions BEGIN
  INSERT INTO changes (entity, op, key, session_id, data)
  SELECT entity, 'insert', key, session_id, data FROM feed_sessions WHERE rowid = NEW.rowid;
END;

-- A pure heartbeat (only last_seen, updated_at, pid_start, expiry_check_at or
-- grace_until moved) is not a change.
CREATE TRIGGER sessions_update
AFTER UPDATE OF id, name, root, branch, pid, tmux_session, tmux_pane, tmux_socket, status,
  status_reason, activity, created_at, ttl_ms, meta
ON sessions
WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name OR OLD.root IS NOT NEW.root
  OR OLD.branch IS NOT NEW.branch OR OLD.pid IS NOT NEW.pid
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
  OR OLD.tmux_prefix IS NOT NEW.tmux_prefix OR OLD.started_at IS NOT NEW.started_at
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

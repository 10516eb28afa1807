-- 0006_agent_liveness: what an agent is doing and where, liveness by process,
-- restart grace in its own field, and pauses that a stop ends.
--
-- sessions gains
--   activity     what the agent is doing: 'working', 'waiting_input' (its
--                turn ended; it waits for the user) or 'waiting_permission'
--                (it asked to use a tool); NULL when unknown.
--   tmux_pane    the agent's tmux pane id ('%3'), tmux_socket the socket of
--                its tmux server: where rosterd types and reads.
--   branch       the git branch of the session's root ('detached:1a2b3c4'
--                for a detached HEAD), kept current by rosterd.
--   grace_until  the restart grace: a live session without a pid does not
--                expire before it (last_seen keeps the last real contact).
-- pauses gains ended_by: 'resume' or 'stop' (NULL for pauses ended before
-- this migration, and while open).
--
-- Liveness: a session with a pid lives as long as that process; only the
-- cleanup strand's process probe ends it (stale, process_exited). The TTL
-- applies to sessions without a pid, which alone are in the expiry index;
-- expires_at is NULL for the others. A second partial index lets the process
-- probe walk exactly the live sessions that have a pid.
--
-- The feed's row JSON (triggers and feed_* views) carries the new columns.
-- activity, tmux_pane, tmux_socket and branch are changes; grace_until, like
-- last_seen, is not (granting the grace at start writes no feed rows).

ALTER TABLE sessions ADD COLUMN activity TEXT
  CHECK (activity = 'working' OR activity = 'waiting_input' OR activity = 'waiting_permission');
ALTER TABLE sessions ADD COLUMN tmux_pane TEXT;
ALTER TABLE sessions ADD COLUMN tmux_socket TEXT;
ALTER TABLE sessions ADD COLUMN branch TEXT;
ALTER TABLE sessions ADD COLUMN grace_until INTEGER;

ALTER TABLE pauses ADD COLUMN ended_by TEXT CHECK (ended_by = 'resume' OR ended_by = 'stop');

-- Earlier versions left the pause of a stopped session open (and a revive
-- then could never be paused again): close those as ended by the stop.
UPDATE pauses SET
  resumed_at = (SELECT s.updated_at FROM sessions AS s WHERE s.id = pauses.session_id),
  ended_by = 'stop'
WHERE resumed_at IS NULL
  AND (SELECT s.status FROM sessions AS s WHERE s.id = pauses.session_id) <> 'paused';

DROP INDEX sessions_expiry_check;
CREATE INDEX sessions_expiry_check ON sessions (expiry_check_at)
  WHERE status IN ('active', 'idle') AND pid IS NULL;
CREATE INDEX sessions_pid_probe ON sessions (id)
  WHERE status IN ('active', 'idle') AND pid IS NOT NULL;

DROP VIEW feed_sessions;
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
                   'meta', json(meta)) AS data
FROM sessions;

DROP VIEW feed_pauses;
CREATE VIEW feed_pauses AS
SELECT 'pause' AS entity, CAST(id AS TEXT) AS key, session_id,
       json_object('id', id, 'session_id', session_id, 'paused_at', paused_at,
                   'summary', summary, 'note', note, 'resumed_at', resumed_at,
                   'ended_by', ended_by) AS data
FROM pauses;

DROP TRIGGER sessions_insert;
CREATE TRIGGER sessions_insert AFTER INSERT ON sessions BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'session', 'insert',
          NEW.id, NEW.id,
          json_object('id', NEW.id, 'name', NEW.name, 'root', NEW.root, 'branch', NEW.branch,
                      'pid', NEW.pid, 'tmux_session', NEW.tmux_session,
                      'tmux_pane', NEW.tmux_pane, 'tmux_socket', NEW.tmux_socket,
                      'status', NEW.status, 'status_reason', NEW.status_reason,
                      'activity', NEW.activity, 'created_at', NEW.created_at,
                      'updated_at', NEW.updated_at, 'last_seen', NEW.last_seen,
                      'ttl_ms', NEW.ttl_ms, 'grace_until', NEW.grace_until,
                      'expires_at', CASE WHEN NEW.pid IS NULL
                                    THEN max(NEW.last_seen + NEW.ttl_ms,
                                             coalesce(NEW.grace_until, 0)) END,
                      'meta', json(NEW.meta)));
END;

DROP TRIGGER sessions_update;
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
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'session', 'update',
          NEW.id, NEW.id,
          json_object('id', NEW.id, 'name', NEW.name, 'root', NEW.root, 'branch', NEW.branch,
                      'pid', NEW.pid, 'tmux_session', NEW.tmux_session,
                      'tmux_pane', NEW.tmux_pane, 'tmux_socket', NEW.tmux_socket,
                      'status', NEW.status, 'status_reason', NEW.status_reason,
                      'activity', NEW.activity, 'created_at', NEW.created_at,
                      'updated_at', NEW.updated_at, 'last_seen', NEW.last_seen,
                      'ttl_ms', NEW.ttl_ms, 'grace_until', NEW.grace_until,
                      'expires_at', CASE WHEN NEW.pid IS NULL
                                    THEN max(NEW.last_seen + NEW.ttl_ms,
                                             coalesce(NEW.grace_until, 0)) END,
                      'meta', json(NEW.meta)));
END;

DROP TRIGGER sessions_delete;
CREATE TRIGGER sessions_delete AFTER DELETE ON sessions BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'session', 'delete',
          OLD.id, OLD.id,
          json_object('id', OLD.id, 'name', OLD.name, 'root', OLD.root, 'branch', OLD.branch,
                      'pid', OLD.pid, 'tmux_session', OLD.tmux_session,
                      'tmux_pane', OLD.tmux_pane, 'tmux_socket', OLD.tmux_socket,
                      'status', OLD.status, 'status_reason', OLD.status_reason,
                      'activity', OLD.activity, 'created_at', OLD.created_at,
                      'updated_at', OLD.updated_at, 'last_seen', OLD.last_seen,
                      'ttl_ms', OLD.ttl_ms, 'grace_until', OLD.grace_until,
                      'expires_at', CASE WHEN OLD.pid IS NULL
                                    THEN max(OLD.last_seen + OLD.ttl_ms,
                                             coalesce(OLD.grace_until, 0)) END,
                      'meta', json(OLD.meta)));
END;

DROP TRIGGER pauses_insert;
CREATE TRIGGER pauses_insert AFTER INSERT ON pauses BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'pause', 'insert',
          CAST(NEW.id AS TEXT), NEW.session_id,
          json_object('id', NEW.id, 'session_id', NEW.session_id, 'paused_at', NEW.paused_at,
                      'summary', NEW.summary, 'note', NEW.note, 'resumed_at', NEW.resumed_at,
                      'ended_by', NEW.ended_by));
END;

DROP TRIGGER pauses_update;
CREATE TRIGGER pauses_update AFTER UPDATE ON pauses BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'pause', 'update',
          CAST(NEW.id AS TEXT), NEW.session_id,
          json_object('id', NEW.id, 'session_id', NEW.session_id, 'paused_at', NEW.paused_at,
                      'summary', NEW.summary, 'note', NEW.note, 'resumed_at', NEW.resumed_at,
                      'ended_by', NEW.ended_by));
END;

DROP TRIGGER pauses_delete;
CREATE TRIGGER pauses_delete AFTER DELETE ON pauses BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'pause', 'delete',
          CAST(OLD.id AS TEXT), OLD.session_id,
          json_object('id', OLD.id, 'session_id', OLD.session_id, 'paused_at', OLD.paused_at,
                      'summary', OLD.summary, 'note', OLD.note, 'resumed_at', OLD.resumed_at,
                      'ended_by', OLD.ended_by));
END;

-- live_sessions is SELECT * FROM sessions_view, so it shows the new columns too.
DROP VIEW sessions_view;
CREATE VIEW sessions_view AS
SELECT id, name, root, branch, pid, tmux_session, tmux_pane, status, status_reason, activity,
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

-- "Which agents need me now?": live or paused sessions whose agent waits for
-- the user (its turn ended) or for a permission answer, oldest change first
-- (updated: the session's last change, usually the start of the wait).
CREATE VIEW needs_user AS
SELECT name, activity, root, branch, tmux_session, tmux_pane, status,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch') AS updated, id
FROM sessions
WHERE (activity = 'waiting_input' OR activity = 'waiting_permission')
  AND status IN ('active', 'idle', 'paused')
ORDER BY updated_at;

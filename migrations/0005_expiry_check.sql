-- 0005_expiry_check: a heartbeat no longer moves an index entry or starts a trigger.
--
-- The expiry sweep found due sessions through an index on last_seen + ttl_ms,
-- so every heartbeat (it moves last_seen) deleted and re-inserted an entry of
-- that index: about a third of a heartbeat's cost in the writer, and more
-- dirty pages per commit. The sweep now finds sessions through
-- expiry_check_at, a lower bound of their expiry that heartbeats leave alone.
-- When a session's check comes due, the sweep marks it stale if
-- last_seen + ttl_ms has passed, and otherwise moves the check to
-- last_seen + ttl_ms. The index so moves about once per TTL per live session,
-- in the sweep's bounded batches, instead of on every heartbeat.
--
-- expiry_check_at <= last_seen + ttl_ms holds for every row: rows inserted
-- without it get 0 (checked at the next sweep), and a trigger lowers it when
-- any write, a shell's too, brings the expiry closer by lowering last_seen or
-- ttl_ms.
--
-- The feed trigger on sessions now names the columns it reports
-- (UPDATE OF ...), so a heartbeat that moves only last_seen does not start it;
-- what it writes is unchanged.

ALTER TABLE sessions ADD COLUMN expiry_check_at INTEGER NOT NULL DEFAULT 0;
DROP INDEX sessions_expiry;

DROP TRIGGER sessions_update;
-- A pure heartbeat (only last_seen, updated_at or pid_start moved) is not a change.
CREATE TRIGGER sessions_update
AFTER UPDATE OF id, name, root, pid, tmux_session, status, status_reason, created_at, ttl_ms, meta
ON sessions
WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name OR OLD.root IS NOT NEW.root
  OR OLD.pid IS NOT NEW.pid OR OLD.tmux_session IS NOT NEW.tmux_session
  OR OLD.status IS NOT NEW.status OR OLD.status_reason IS NOT NEW.status_reason
  OR OLD.created_at IS NOT NEW.created_at OR OLD.ttl_ms IS NOT NEW.ttl_ms
  OR OLD.meta IS NOT NEW.meta
BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'session', 'update',
          NEW.id, NEW.id,
          json_object('id', NEW.id, 'name', NEW.name, 'root', NEW.root, 'pid', NEW.pid,
                      'tmux_session', NEW.tmux_session, 'status', NEW.status,
                      'status_reason', NEW.status_reason, 'created_at', NEW.created_at,
                      'updated_at', NEW.updated_at, 'last_seen', NEW.last_seen,
                      'ttl_ms', NEW.ttl_ms, 'expires_at', NEW.last_seen + NEW.ttl_ms,
                      'meta', json(NEW.meta)));
END;

-- Every existing row's check at its expiry, before the index and the guard
-- exist (one bulk index build instead of a move per row).
UPDATE sessions SET expiry_check_at = last_seen + ttl_ms;

CREATE INDEX sessions_expiry_check ON sessions (expiry_check_at)
  WHERE status IN ('active', 'idle');

CREATE TRIGGER sessions_expiry_check AFTER UPDATE OF last_seen, ttl_ms ON sessions
WHEN NEW.expiry_check_at > NEW.last_seen + NEW.ttl_ms BEGIN
  UPDATE sessions SET expiry_check_at = NEW.last_seen + NEW.ttl_ms WHERE id = NEW.id;
END;

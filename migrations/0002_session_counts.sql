-- 0002_session_counts: per-status session counts kept by triggers, so the
-- live-session limit is checked in O(1) instead of counting rows on every
-- register. Not part of the change feed.

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

-- 0003_feed_checks: the change feed's CHECK constraints spelled with OR.
--
-- `x IN ('a', 'b', 'c')` with more than two constants makes SQLite build a
-- temporary index of the list each time the statement runs, so every insert
-- into `changes` (one per feed event) built two of them: about a quarter of
-- the writer's time on a log append. The OR form checks the same values with
-- plain comparisons. A CHECK cannot be altered in place, so the table is
-- rebuilt: same columns, same rows, same AUTOINCREMENT position (rev never
-- repeats). legacy_alter_table keeps the rename from rewriting the triggers
-- that insert into `changes`; they name the new table once it exists.

PRAGMA legacy_alter_table = ON;

ALTER TABLE changes RENAME TO changes_v2;

CREATE TABLE changes (
  rev        INTEGER PRIMARY KEY AUTOINCREMENT,
  ts         INTEGER NOT NULL,
  entity     TEXT NOT NULL
             CHECK (entity = 'session' OR entity = 'pause' OR entity = 'team'
                    OR entity = 'team_agent' OR entity = 'log'),
  op         TEXT NOT NULL CHECK (op = 'insert' OR op = 'update' OR op = 'delete'),
  key        TEXT NOT NULL,
  session_id TEXT,
  data       TEXT NOT NULL
) STRICT;

INSERT INTO changes (rev, ts, entity, op, key, session_id, data)
SELECT rev, ts, entity, op, key, session_id, data FROM changes_v2 ORDER BY rev;

DELETE FROM sqlite_sequence WHERE name = 'changes';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'changes', seq FROM sqlite_sequence WHERE name = 'changes_v2';

DROP TABLE changes_v2;

PRAGMA legacy_alter_table = OFF;

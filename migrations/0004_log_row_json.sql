-- 0004_log_row_json: a log entry's feed JSON is built without re-parsing its body.
--
-- The log triggers and feed_logs built the row image with
-- json_object(..., 'body', json(body)). json() parses and re-renders the body,
-- the largest value most writes carry: about a tenth of the writer's
-- instructions on a 1 KiB log append, on top of the CHECK (json_valid(body))
-- that has already parsed it. The body is valid JSON by that CHECK, so it is
-- spliced into the object as it is; the text fields go through json_quote().
-- The output is the same JSON: the daemon stores bodies minified, and json()
-- of minified JSON returns it unchanged. Triggers and views are replaced; no
-- table or row changes.

DROP VIEW feed_logs;
CREATE VIEW feed_logs AS
SELECT 'log' AS entity, session_id || ':' || seq AS key, session_id,
       '{"session_id":' || json_quote(session_id) || ',"seq":' || seq || ',"epoch":' || epoch
       || ',"ts":' || ts || ',"kind":' || json_quote(kind) || ',"body":' || body || '}' AS data
FROM log_entries;

DROP TRIGGER log_entries_insert;
CREATE TRIGGER log_entries_insert AFTER INSERT ON log_entries BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'log', 'insert',
          NEW.session_id || ':' || NEW.seq, NEW.session_id,
          '{"session_id":' || json_quote(NEW.session_id) || ',"seq":' || NEW.seq
          || ',"epoch":' || NEW.epoch || ',"ts":' || NEW.ts || ',"kind":' || json_quote(NEW.kind)
          || ',"body":' || NEW.body || '}');
END;

DROP TRIGGER log_entries_update;
CREATE TRIGGER log_entries_update AFTER UPDATE ON log_entries BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'log', 'update',
          NEW.session_id || ':' || NEW.seq, NEW.session_id,
          '{"session_id":' || json_quote(NEW.session_id) || ',"seq":' || NEW.seq
          || ',"epoch":' || NEW.epoch || ',"ts":' || NEW.ts || ',"kind":' || json_quote(NEW.kind)
          || ',"body":' || NEW.body || '}');
END;

DROP TRIGGER log_entries_delete;
CREATE TRIGGER log_entries_delete AFTER DELETE ON log_entries BEGIN
  INSERT INTO changes (ts, entity, op, key, session_id, data)
  VALUES (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER), 'log', 'delete',
          OLD.session_id || ':' || OLD.seq, OLD.session_id,
          '{"session_id":' || json_quote(OLD.session_id) || ',"seq":' || OLD.seq
          || ',"epoch":' || OLD.epoch || ',"ts":' || OLD.ts || ',"kind":' || json_quote(OLD.kind)
          || ',"body":' || OLD.body || '}');
END;

-- 0009_request_keys: writes that are not idempotent (log.append, log.rotate)
-- take a client-supplied request_key, so that a client that did not learn
-- whether its write was applied (a lost answer, an "unknown outcome" from a
-- replicated engine) can send it again and have it applied once. The key is
-- recorded in the same savepoint as the write, with the answer it got; a
-- retry gets that answer back. Keys are kept request_key_retention_ms (and
-- at most request_keys_max_rows) by the cleanup strand; they are not part of
-- the change feed, an export or a backup's registry data.

CREATE TABLE request_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,     -- method and parameters, hashed: a reuse for another request is refused
  result      TEXT NOT NULL,     -- the JSON answer the write got
  applied_at  INTEGER NOT NULL   -- Unix milliseconds
) STRICT, WITHOUT ROWID;

CREATE INDEX request_keys_applied ON request_keys (applied_at);

-- why: the audit log ties who did what to which output (issue #8). Each tenant's events form an
-- HMAC-SHA256 hash chain (seq, prev_hash, row_hash, hmac_key_id per row) so tampering is
-- detected by a whole-chain verify; the database itself refuses UPDATE and DELETE so the
-- application cannot rewrite history by mistake. audit_heads holds each chain's last seq and
-- hash: appends serialize on it, and verify uses it to notice rows removed from a chain's end.
-- Keep equivalent to migrations/postgres/0002_audit.sql (there the table is partitioned by month).

CREATE TABLE audit_events (
  tenant_hash TEXT NOT NULL,
  seq BIGINT NOT NULL CHECK (seq >= 1),
  at BIGINT NOT NULL,
  actor TEXT,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  details_json TEXT NOT NULL,
  provenance_hash TEXT,
  output_hash TEXT,
  hmac_key_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  row_hash TEXT NOT NULL,
  PRIMARY KEY (tenant_hash, seq)
);

CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TABLE audit_heads (
  tenant_hash TEXT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL CHECK (seq >= 0),
  row_hash TEXT NOT NULL
);

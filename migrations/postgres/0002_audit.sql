-- why: the audit log ties who did what to which output (issue #8). Each tenant's events form an
-- HMAC-SHA256 hash chain (seq, prev_hash, row_hash, hmac_key_id per row) so tampering is
-- detected by a whole-chain verify; the database itself refuses UPDATE, DELETE and TRUNCATE so
-- the application cannot rewrite history by mistake. audit_heads holds each chain's last seq and
-- hash: appends serialize on its row (SELECT ... FOR UPDATE), and verify uses it to notice rows
-- removed from a chain's end. audit_events is RANGE-partitioned by month on `at` (epoch ms) so a
-- year of events stays cheap to query; partitions are never dropped. The primary key must
-- include the partition key, hence (tenant_hash, seq, at); seq uniqueness per tenant is
-- guaranteed by the head's compare-and-set instead. Partitions: one "history" partition below
-- the previous month (MINVALUE), then one per month; strata_ensure_month_partition is also what
-- the partition job calls, so creation logic lives in one place.
-- Keep equivalent to migrations/sqlite/0002_audit.sql.

CREATE FUNCTION strata_ensure_month_partition(parent text, instant_ms bigint) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  month_start timestamp := date_trunc('month', to_timestamp(instant_ms / 1000.0) AT TIME ZONE 'UTC');
  lo bigint := (extract(epoch FROM month_start AT TIME ZONE 'UTC') * 1000)::bigint;
  hi bigint := (extract(epoch FROM (month_start + interval '1 month') AT TIME ZONE 'UTC') * 1000)::bigint;
  child text := parent || '_p' || to_char(month_start, 'YYYYMM');
BEGIN
  -- Two replicas ensuring the same month at once: the second waits, then finds it.
  PERFORM pg_advisory_xact_lock(hashtext('strata:partition:' || child));
  IF to_regclass(quote_ident(child)) IS NOT NULL THEN
    RETURN child;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)', child, parent, lo, hi);
  IF parent = 'audit_events' THEN
    -- TRUNCATE triggers on the parent do not fire for a partition truncated directly.
    EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I '
      'FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()', child);
  END IF;
  RETURN child;
END
$fn$;

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;

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
  PRIMARY KEY (tenant_hash, seq, at)
) PARTITION BY RANGE (at);

CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

CREATE TABLE audit_heads (
  tenant_hash TEXT NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL CHECK (seq >= 0),
  row_hash TEXT NOT NULL
);

DO $do$
DECLARE
  this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  history_end bigint :=
    (extract(epoch FROM (this_month - interval '1 month') AT TIME ZONE 'UTC') * 1000)::bigint;
BEGIN
  EXECUTE format('CREATE TABLE audit_events_p_history PARTITION OF audit_events '
    'FOR VALUES FROM (MINVALUE) TO (%s)', history_end);
  EXECUTE 'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events_p_history '
    'FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()';
  FOR i IN -1..3 LOOP
    PERFORM strata_ensure_month_partition('audit_events',
      (extract(epoch FROM (this_month + make_interval(months => i)) AT TIME ZONE 'UTC') * 1000)::bigint);
  END LOOP;
END
$do$;

-- why: scheduled jobs (retention, artifact GC, partition maintenance) must run once per
-- schedule slot even with several replicas, and /ready must report each job's last outcome.
-- job_runs is both: a replica claims (name, slot) with INSERT ... ON CONFLICT DO NOTHING, the
-- loser skips, and the row records start, end, outcome, error and the job's report.
-- Run history grows with every execution, so on PostgreSQL `runs` becomes RANGE-partitioned by
-- month on started_at (epoch ms): retention drops whole expired months instead of deleting row
-- by row. A table cannot be turned into a partitioned one in place, so the 0001 table is renamed,
-- its rows copied into the new one, and dropped. The primary key must include the partition key:
-- (id, started_at). Partitions: a "history" partition below the previous month (it holds any
-- older rows and is dropped by retention like the rest), then one per month from the previous
-- one to three ahead; the partition job keeps creating months ahead.
-- Keep equivalent to migrations/sqlite/0003_jobs_and_partitions.sql.

CREATE TABLE job_runs (
  name TEXT NOT NULL,
  -- The scheduled time bucket, epoch ms: replicas firing for one schedule agree on it.
  slot BIGINT NOT NULL,
  owner TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error')),
  error TEXT,
  report_json TEXT,
  PRIMARY KEY (name, slot)
);

CREATE INDEX job_runs_name_started_at_idx ON job_runs (name, started_at);

ALTER TABLE runs RENAME TO runs_0001;
ALTER TABLE runs_0001 RENAME CONSTRAINT runs_pkey TO runs_0001_pkey;
ALTER INDEX runs_tenant_started_at_idx RENAME TO runs_0001_tenant_started_at_idx;

CREATE TABLE runs (
  id TEXT NOT NULL,
  tenant_hash TEXT NOT NULL,
  notebook_id TEXT NOT NULL,
  cell_id TEXT NOT NULL,
  principal TEXT,
  provenance_hash TEXT NOT NULL,
  cache_hit BOOLEAN NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

CREATE INDEX runs_tenant_started_at_idx ON runs (tenant_hash, started_at);

DO $do$
DECLARE
  this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
  history_end bigint :=
    (extract(epoch FROM (this_month - interval '1 month') AT TIME ZONE 'UTC') * 1000)::bigint;
  ahead_end bigint :=
    (extract(epoch FROM (this_month + interval '4 months') AT TIME ZONE 'UTC') * 1000)::bigint;
  stamp bigint;
BEGIN
  EXECUTE format('CREATE TABLE runs_p_history PARTITION OF runs FOR VALUES FROM (MINVALUE) TO (%s)',
    history_end);
  FOR i IN -1..3 LOOP
    PERFORM strata_ensure_month_partition('runs',
      (extract(epoch FROM (this_month + make_interval(months => i)) AT TIME ZONE 'UTC') * 1000)::bigint);
  END LOOP;
  -- Rows stamped beyond those months (a clock far ahead) still need a home.
  FOR stamp IN SELECT started_at FROM runs_0001 WHERE started_at >= ahead_end LOOP
    PERFORM strata_ensure_month_partition('runs', stamp);
  END LOOP;
END
$do$;

INSERT INTO runs SELECT * FROM runs_0001;
DROP TABLE runs_0001;

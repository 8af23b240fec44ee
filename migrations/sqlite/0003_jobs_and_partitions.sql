-- why: scheduled jobs (retention, artifact GC, partition maintenance) must run once per
-- schedule slot even with several replicas, and /ready must report each job's last outcome.
-- job_runs is both: a replica claims (name, slot) with INSERT ... ON CONFLICT DO NOTHING, the
-- loser skips, and the row records start, end, outcome, error and the job's report. On SQLite
-- run history stays a plain table (no partitions); see the PostgreSQL twin for those.
-- Keep equivalent to migrations/postgres/0003_jobs_and_partitions.sql.

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

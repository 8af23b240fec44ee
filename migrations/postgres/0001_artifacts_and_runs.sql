-- why: cached cell outputs must survive restarts, so the artifact index maps (tenant, provenance
-- hash, variable) to a content-addressed blob; and every execution leaves a run record (who ran
-- which cell, its provenance, cache hit, outcome, duration). Times are epoch milliseconds in
-- BIGINT columns on both backends, so queries and code are identical across dialects.
-- Keep equivalent to migrations/sqlite/0001_artifacts_and_runs.sql.

CREATE TABLE artifacts (
  tenant_hash TEXT NOT NULL,
  provenance_hash TEXT NOT NULL,
  variable TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  size BIGINT NOT NULL CHECK (size >= 0),
  codec TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_hash, provenance_hash, variable)
);

-- Garbage collection asks "is this blob still referenced?" and "what was not used lately?".
CREATE INDEX artifacts_content_hash_idx ON artifacts (content_hash);
CREATE INDEX artifacts_last_used_at_idx ON artifacts (last_used_at);

CREATE TABLE runs (
  id TEXT NOT NULL PRIMARY KEY,
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
  finished_at BIGINT NOT NULL
);

CREATE INDEX runs_tenant_started_at_idx ON runs (tenant_hash, started_at);

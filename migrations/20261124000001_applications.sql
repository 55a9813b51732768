-- Applications and their verification jobs. One set of migrations for SQLite and
-- PostgreSQL: only portable types (TEXT, BIGINT); times are unix milliseconds (UTC).
CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    -- queued | running | completed | failed
    status           TEXT NOT NULL,
    program          TEXT NOT NULL,
    region           TEXT NOT NULL,
    -- The JWT `sub` of the intake system that submitted it (intake reads only its own).
    caller_sub       TEXT NOT NULL,
    applicant_masked TEXT NOT NULL,
    -- The checked application as JSON. Personal data: never logged, never in a URL.
    body             TEXT NOT NULL,
    verdict          TEXT,
    report           TEXT,
    -- Normalized facts of every source, kept so a verdict can be re-derived.
    evidence         TEXT,
    failure          TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    submitted_at     BIGINT NOT NULL,
    started_at       BIGINT,
    completed_at     BIGINT,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX applications_by_status ON applications (status, submitted_at);
CREATE INDEX applications_by_region ON applications (region, submitted_at);

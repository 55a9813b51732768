-- One set of migrations for SQLite and PostgreSQL: only portable types (TEXT, BIGINT);
-- times are unix milliseconds (UTC).

-- An application is also its verification job: accepted, it is committed here (with its
-- idempotency key, in the same transaction) before the caller is answered.
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
    failure          TEXT,
    -- How many times a worker claimed the job (more than one: a worker died or lost its lease).
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

-- Exactly one report per application: the primary key makes a second one impossible.
CREATE TABLE reports (
    application_id     TEXT PRIMARY KEY REFERENCES applications (id),
    verdict            TEXT NOT NULL,
    report             TEXT NOT NULL,
    -- Normalized facts of every source (with fetched_at, cached or live): personal data,
    -- purged after the retention period while the verdict and report stay.
    evidence           TEXT,
    policy_version     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    evidence_purged_at BIGINT
);

-- The parameters behind every policy_version a report names, so a verdict can be replayed
-- with exactly the parameters it was made with.
CREATE TABLE policy_versions (
    version    TEXT PRIMARY KEY,
    params     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Idempotency keys, scoped to the caller, kept at least 24 hours.
CREATE TABLE idempotency_keys (
    caller_sub     TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    application_id TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    PRIMARY KEY (caller_sub, idem_key)
);

-- Signed callbacks of finished applications, retried with backoff; created in the same
-- transaction as the report so a crash cannot lose one.
CREATE TABLE webhooks (
    application_id   TEXT PRIMARY KEY REFERENCES applications (id),
    url              TEXT NOT NULL,
    -- pending | delivered | gave_up
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX webhooks_due ON webhooks (state, next_attempt_at);

-- Every delivery attempt, for the record.
CREATE TABLE webhook_attempts (
    application_id TEXT NOT NULL,
    attempt        BIGINT NOT NULL,
    attempted_at   BIGINT NOT NULL,
    status_code    BIGINT,
    error          TEXT,
    duration_ms    BIGINT NOT NULL,
    PRIMARY KEY (application_id, attempt)
);

-- Consents, the hash-chained audit log and review decisions.

-- Every consent an application brought, with its evidence reference. The raw ID number is
-- not kept here: `subject` is its pseudonym (HMAC-SHA256 under the hub's pseudonym key).
-- Consent ids are the intake system's own; intake systems are known to reuse one id for
-- the members of a household, so a consent is one (caller, id, person).
CREATE TABLE consents (
    id           TEXT NOT NULL,
    caller_sub   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    agencies     TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    signed_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    evidence_ref TEXT NOT NULL,
    -- How many agency queries were made under this consent.
    usage_count  BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT,
    revoked_by   TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (caller_sub, id, subject)
);

CREATE INDEX consents_by_id ON consents (id);

-- Append-only. Each row's hash is SHA-256(previous hash || canonical row); the unique
-- constraint on prev_hash makes a fork of the chain impossible even if two writers raced.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_sub      TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    action         TEXT NOT NULL,
    application_id TEXT,
    subject        TEXT,
    agency         TEXT,
    consent_id     TEXT,
    outcome        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL UNIQUE,
    hash           TEXT NOT NULL
);

CREATE INDEX audit_by_application ON audit_log (application_id);
CREATE INDEX audit_by_subject ON audit_log (subject);

-- The latest head of the chain, written with every append, so that a truncated log
-- (rows removed from the end) is caught.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Officers' decisions on completed applications.
CREATE TABLE reviews (
    application_id TEXT NOT NULL REFERENCES applications (id),
    seq            BIGINT NOT NULL,
    decision       TEXT NOT NULL,
    note           TEXT NOT NULL,
    officer_sub    TEXT NOT NULL,
    decided_at     BIGINT NOT NULL,
    PRIMARY KEY (application_id, seq)
);

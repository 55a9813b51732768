-- The beneficiary registry and periodic re-checks (DESIGN §8).

-- A household receiving assistance: registered when an officer approves an eligible or
-- low-income report, or imported from an existing roll. `body` is the checked application
-- it was registered from (its household and consents are what a re-check verifies under);
-- `last_application_id` is the latest verification, whose report the next re-check is
-- compared against.
CREATE TABLE beneficiaries (
    id                  TEXT PRIMARY KEY,
    program             TEXT NOT NULL,
    region              TEXT NOT NULL,
    -- The JWT `sub` of the intake system whose consents the re-checks are made under.
    caller_sub          TEXT NOT NULL,
    applicant_masked    TEXT NOT NULL,
    -- dibao_a | dibao_b | dibao_single | tekun | low_income
    category            TEXT NOT NULL,
    -- Monthly benefit as a two-decimal string (exact), or NULL.
    benefit             TEXT,
    -- YYYY-MM-DD (sorts as text).
    recheck_due         TEXT NOT NULL,
    poverty_relief      BIGINT NOT NULL DEFAULT 0,
    -- active | needs_new_consent
    status              TEXT NOT NULL,
    body                TEXT NOT NULL,
    -- The approved application it was registered from (NULL when imported).
    source_application_id TEXT,
    last_application_id TEXT,
    last_verdict        TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE INDEX beneficiaries_due ON beneficiaries (recheck_due, region);
-- One registration per verified application.
CREATE UNIQUE INDEX beneficiaries_by_source ON beneficiaries (source_application_id);

-- One row per household of a re-check batch: a re-run of the batch skips the done ones, so
-- an interrupted batch resumed checks each household once.
CREATE TABLE recheck_batch_items (
    batch_id       TEXT NOT NULL,
    beneficiary_id TEXT NOT NULL,
    -- pending | done
    status         TEXT NOT NULL,
    application_id TEXT,
    -- e.g. `eligible->graduating`, `needs_new_consent`, `failed`
    outcome        TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (batch_id, beneficiary_id)
);

-- Named leases: only one instance of a fleet runs a re-check batch at a time.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

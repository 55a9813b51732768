-- v1.1: the use-case layer keeps what it answered, names the people behind each
-- application for the audit, and erases raw personal data after its retention period.

-- The pseudonyms (HMAC of the ID number) of the household's members, applicant first,
-- comma-separated: every report view is audited against each of them, and they outlive
-- the erasure of the body.
ALTER TABLE applications ADD COLUMN subjects TEXT NOT NULL DEFAULT '';

-- For emergency temporary assistance: the approval level answered in the 202, kept so
-- that every later read gives the same answer whatever the policy says by then.
ALTER TABLE applications ADD COLUMN approval_level TEXT;

-- When the raw personal data (names, ID numbers, the stored body) was erased after
-- retention.application_days; the masked IDs, pseudonyms, verdict and report stay.
ALTER TABLE applications ADD COLUMN erased_at BIGINT;

CREATE INDEX applications_by_submitted ON applications (submitted_at);

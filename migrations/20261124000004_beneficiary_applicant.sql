-- One registration per household (issue 9): re-importing a roll, or approving a new
-- application of a household already registered, must not register it a second time.

-- The applicant of the registered household as a pseudonym (HMAC-SHA256 of the ID number
-- under the hub's pseudonym key, like `consents.subject`); never the raw number. NULL on
-- rows registered before this migration, and on approvals made without the key at hand:
-- an import of the same household fills it first (`fill_applicant_subjects`).
ALTER TABLE beneficiaries ADD COLUMN applicant_subject TEXT;

-- At most one registration per intake system, programme and applicant that is still on the
-- registry (any status but `ineligible`). A partial index is written the same way on both
-- backends and follows the status by itself: a household that a re-check finds ineligible
-- leaves the index, and may be registered again, without any writer maintaining a key.
-- NULLs are distinct on both backends, so rows without a pseudonym never conflict. An
-- `INSERT … ON CONFLICT DO NOTHING` that meets it inserts nothing: two concurrent imports of
-- one household register it once (PostgreSQL makes the second wait for the first's commit,
-- SQLite serializes the writes).
CREATE UNIQUE INDEX beneficiaries_one_per_applicant
    ON beneficiaries (caller_sub, program, applicant_subject)
    WHERE status <> 'ineligible';

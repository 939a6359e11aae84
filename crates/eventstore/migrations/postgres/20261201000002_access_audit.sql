-- The audit of reads of personal data (ISO 27789; security.md §7): who read what about whom,
-- when, why and whether it was allowed. Append-only like `events`, and kept at least as long as
-- the records it is about.

CREATE TABLE access_audit (
    entry          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accessed_at    TIMESTAMPTZ NOT NULL,
    user_id        TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    role           TEXT NOT NULL,
    subject        TEXT,
    function       TEXT NOT NULL,
    record         TEXT NOT NULL,
    correlation_id UUID NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied'))
);

-- "Who has viewed this person's records?" and "who has viewed this record?", newest first.
CREATE INDEX access_audit_by_subject ON access_audit (subject, accessed_at, entry);
CREATE INDEX access_audit_by_record ON access_audit (record, accessed_at, entry);

CREATE TRIGGER access_audit_append_only
    BEFORE UPDATE OR DELETE ON access_audit
    FOR EACH ROW EXECUTE FUNCTION append_only_reject_change();

CREATE TRIGGER access_audit_no_truncate
    BEFORE TRUNCATE ON access_audit
    FOR EACH STATEMENT EXECUTE FUNCTION append_only_reject_change();

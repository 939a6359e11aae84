-- The audit of reads of personal data: the same table and rules as on PostgreSQL (see its
-- migration). Written under the store's single-writer discipline, like appends.

CREATE TABLE access_audit (
    entry          INTEGER PRIMARY KEY AUTOINCREMENT,
    accessed_at    TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    role           TEXT NOT NULL,
    subject        TEXT,
    function       TEXT NOT NULL,
    record         TEXT NOT NULL,
    correlation_id BLOB NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied'))
);

CREATE INDEX access_audit_by_subject ON access_audit (subject, accessed_at, entry);
CREATE INDEX access_audit_by_record ON access_audit (record, accessed_at, entry);

CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit
BEGIN
    SELECT RAISE(ABORT, 'access_audit is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER access_audit_no_delete BEFORE DELETE ON access_audit
BEGIN
    SELECT RAISE(ABORT, 'access_audit is append-only: DELETE is not allowed');
END;

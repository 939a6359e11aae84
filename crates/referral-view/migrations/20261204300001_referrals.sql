-- What a service that works with referrals knows of each, kept from the referral service's
-- published events: whose person it is (the pseudonym), who its parties are, its status, when
-- the receiving organisation took it on and when it closed, the person's consents, and what
-- outcomes and equity reporting may know of them (age band and sex). Portable SQL: the same
-- file serves PostgreSQL and SQLite. Times are microseconds since the Unix epoch (UTC).
CREATE TABLE referrals (
    referral_id           TEXT PRIMARY KEY,
    subject               TEXT NOT NULL,
    referrer              TEXT NOT NULL,
    owner                 TEXT NOT NULL,
    holder                TEXT NOT NULL,
    offered_to            TEXT,
    part_of               TEXT,
    status                TEXT NOT NULL DEFAULT 'requested',
    requested_micros      BIGINT NOT NULL,
    started_micros        BIGINT,
    closed_micros         BIGINT,
    share_with_providers  BOOLEAN NOT NULL DEFAULT FALSE,
    share_with_referrer   BOOLEAN NOT NULL,
    age_band              TEXT,
    sex                   TEXT
);

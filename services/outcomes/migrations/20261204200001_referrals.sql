-- The outcomes service's view of each referral, kept from the referral service's published
-- events: whose person it is (the pseudonym), who its parties are (only they may record or read
-- its outcomes), when its link-worker episode started and closed (which places each response
-- at baseline, follow-up or close), whether the person consented to outcomes reaching the
-- referrer, and what the scoring needs to know of them (age band and sex). Portable SQL: the
-- same file serves PostgreSQL and SQLite. Times are microseconds since the Unix epoch (UTC).
CREATE TABLE referrals (
    referral_id           TEXT PRIMARY KEY,
    subject               TEXT NOT NULL,
    referrer              TEXT NOT NULL,
    owner                 TEXT NOT NULL,
    holder                TEXT NOT NULL,
    offered_to            TEXT,
    requested_micros      BIGINT NOT NULL,
    started_micros        BIGINT,
    closed_micros         BIGINT,
    share_with_referrer   BOOLEAN NOT NULL,
    age_band              TEXT,
    sex                   TEXT
);

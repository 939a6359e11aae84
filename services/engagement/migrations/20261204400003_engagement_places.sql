-- Each register place of each referral, every time it was recorded (a place recorded as missed
-- and later as attended has two rows), kept from the engagement log by the places projection
-- (subscription `engagement.places`) and rebuildable from it: what a referral's timeline and
-- adherence read, as of any time. Portable SQL; times are microseconds since the Unix epoch.
CREATE TABLE engagement_places (
    referral_id TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL,
    at_micros   BIGINT NOT NULL,
    PRIMARY KEY (referral_id, session_id, at_micros)
);

-- What the lapse rules know of each referral's engagement, folded from the engagement log by
-- the lapse evaluator (subscription `engagement.lapses`) and rebuildable from it: one row per
-- referral the log has noted a status or a register place for.
-- Portable SQL; times are microseconds since the Unix epoch (UTC).
CREATE TABLE engagement_watch (
    referral_id          TEXT PRIMARY KEY,
    subject              TEXT NOT NULL,
    -- Accepted, in progress or on hold.
    active               BOOLEAN NOT NULL,
    -- When it first became active.
    since_micros         BIGINT,
    last_attended_micros BIGINT,
    -- Whether a provider has recorded a place for the person in a register.
    registered           BOOLEAN NOT NULL,
    missed_in_a_row      BIGINT NOT NULL,
    -- The sessions missed since the person last attended, in order, comma-separated.
    missed_sessions      TEXT NOT NULL,
    -- The rule of the open lapse, if one is.
    lapsed_rule          TEXT
);

-- What a clock tick scans: the active referrals with no lapse open.
CREATE INDEX engagement_watch_open ON engagement_watch (active, lapsed_rule);

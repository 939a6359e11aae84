-- The referral service's view of each referral's outcome measures, kept from the outcomes
-- service's published `outcome_recorded` events: per response paired with its baseline (taken
-- at follow-up or at close), its latest derivation, for the message back. Portable SQL.
CREATE TABLE measured_outcomes (
    response_id     TEXT PRIMARY KEY,
    referral_id     TEXT NOT NULL,
    instrument      TEXT NOT NULL,
    derivation      BIGINT NOT NULL,
    authored_micros BIGINT NOT NULL,
    outcome         TEXT NOT NULL
);

CREATE INDEX measured_outcomes_by_referral ON measured_outcomes (referral_id);

-- Every derivation of every scored response, kept from the outcomes log for searches across
-- referrals (by person; by response, which the primary key serves): outcomes as known at any
-- date are, per response, the latest derivation recorded by then.
-- Portable SQL; times are microseconds since the Unix epoch (UTC).
CREATE TABLE outcomes (
    response_id     TEXT NOT NULL,
    derivation      BIGINT NOT NULL,
    referral_id     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    instrument      TEXT NOT NULL,
    -- The instrument version and value set ("id vversion", or NULL without a utility) the
    -- derivation used: what the rescorer compares with the reference data in force.
    instrument_version TEXT NOT NULL,
    value_set       TEXT,
    authored_micros BIGINT NOT NULL,
    derived_micros  BIGINT NOT NULL,
    payload         TEXT NOT NULL,
    PRIMARY KEY (response_id, derivation)
);

CREATE INDEX outcomes_by_subject ON outcomes (subject, derived_micros);

-- Read models of the referral service, rebuilt from its log at any time. Portable SQL: the
-- same file serves PostgreSQL and SQLite. Times are microseconds since the Unix epoch (UTC).

-- Who was accountable for each referral, and when: one row per holder, the open one with no
-- end. "Who was accountable at T" is the row whose period contains T.
CREATE TABLE responsibility_periods (
    referral_id  TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    organisation TEXT NOT NULL,
    practitioner TEXT,
    since_micros BIGINT NOT NULL,
    until_micros BIGINT,
    via          TEXT NOT NULL,
    PRIMARY KEY (referral_id, seq)
);

CREATE INDEX responsibility_current_by_organisation
    ON responsibility_periods (organisation) WHERE until_micros IS NULL;

-- Each referral's current status, so closed referrals drop out of an organisation's holdings.
CREATE TABLE referral_statuses (
    referral_id TEXT PRIMARY KEY,
    status      TEXT NOT NULL
);

-- Offers of responsibility not yet accepted, declined or escalated, with their deadlines: the
-- escalation scheduler's work list, rebuilt from the log, so deadlines survive restarts.
CREATE TABLE open_offers (
    offer_id       TEXT PRIMARY KEY,
    referral_id    TEXT NOT NULL,
    expires_micros BIGINT NOT NULL
);

CREATE INDEX open_offers_by_deadline ON open_offers (expires_micros);

-- The referral service's view of the engagement service's open lapses, for the link worker's
-- holdings: a lapse on an onward referral is shown on the referral it was made from (the one
-- the link workers hold). Kept from `engagement_lapsed` and `engagement_resumed`. Portable SQL.
CREATE TABLE open_lapses (
    referral_id    TEXT NOT NULL,
    rule           TEXT NOT NULL,
    shown_on       TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    since_micros   BIGINT NOT NULL,
    PRIMARY KEY (referral_id, rule)
);

CREATE INDEX open_lapses_shown_on ON open_lapses (shown_on);

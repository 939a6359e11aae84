-- The referral service's own view of the directory, built from the directory service's
-- published events (never a synchronous call), so an onward referral to a withdrawn service or
-- one with no capacity is refused before it is sent.
CREATE TABLE directory_services (
    service_id      TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    takes_referrals BOOLEAN NOT NULL,
    has_capacity    BOOLEAN NOT NULL,
    state           TEXT NOT NULL
);

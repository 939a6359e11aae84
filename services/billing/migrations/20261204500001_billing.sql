-- The billing service's own tables, beside its log. Portable SQL: the same file serves
-- PostgreSQL and SQLite. Times are microseconds since the Unix epoch (UTC).

-- Each contract's parties, kept by the accrual processor from `contract_agreed` in the order
-- the log holds it, so that a fact reaches exactly the contracts agreed before it in the log
-- (and a contract agreed later takes up what came before it when it is agreed). Rebuilt by
-- `linkwork replay accrual`.
CREATE TABLE billing_contracts (
    contract_id     TEXT PRIMARY KEY,
    commissioner    TEXT NOT NULL,
    provider        TEXT NOT NULL,
    agreed_micros   BIGINT NOT NULL
);

CREATE INDEX billing_contracts_by_provider ON billing_contracts (provider);

-- Each referral's needs as the link worker's latest assessment recorded them (a JSON array of
-- codes), kept by the consumer of the referral service's events: contracts pay for people with
-- a need they cover, and an onward referral's person has the needs assessed on its parent.
CREATE TABLE billing_referral_needs (
    referral_id     TEXT PRIMARY KEY,
    needs           TEXT NOT NULL
);

-- Postcode centroids (ONS Postcode Directory `pcds`, `lat`, `long`): how a postcode becomes a
-- point for proximity search. Loaded from a CSV, not from events: it is reference data
-- published by the ONS, replaced wholesale each quarter. Portable across PostgreSQL and SQLite.
CREATE TABLE postcode_centroids (
    postcode TEXT PRIMARY KEY,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL
);

-- 0007: the days whose statistics must be recomputed are kept as runs of
-- consecutive days of one station or area (first_day … last_day), not as a
-- row per day. A bulk load of a year touches every day of every station:
-- 8,760 station-day rows for 24 stations, inserted one by one through the
-- primary key, where one row per station and one per area say the same.
-- Runs may overlap and repeat (the days they cover are what counts), so
-- writers insert without a conflict clause and never wait for each other
-- or for the recomputation; the recomputation deletes exactly the rows it
-- read, by id, so that a run marked while it computed survives it.
-- Pending marks of the old table carry over as one-day runs.
CREATE TABLE dirty_day_run (
    id        {{.Serial}},
    kind      TEXT NOT NULL CHECK (kind IN ('station', 'area')),
    code      TEXT NOT NULL,
    first_day {{.Day}} NOT NULL,
    last_day  {{.Day}} NOT NULL,
    CHECK (first_day <= last_day)
);
INSERT INTO dirty_day_run (kind, code, first_day, last_day) SELECT kind, code, day, day FROM dirty_day;
DROP TABLE dirty_day;
ALTER TABLE dirty_day_run RENAME TO dirty_day;
CREATE INDEX dirty_day_subject ON dirty_day (kind, code, first_day);

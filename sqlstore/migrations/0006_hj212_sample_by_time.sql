-- 0006: minute and real-time samples keyed by time first. Every logger
-- sends the current minute, so with (t, mn, cn) a batch of samples lands
-- at the end of one B-tree instead of scattered over a leaf page per
-- device: a commit writes a few pages, not hundreds (the gateway
-- acknowledges only after the commit's fsync, so written pages are ack
-- latency). The key also serves the recovery scan by time, so the separate
-- index on t goes. On SQLite the table is clustered on the key (WITHOUT
-- ROWID): one B-tree per row instead of the rowid table, the key index
-- and the time index.
{{if .Postgres -}}
ALTER TABLE hj212_sample DROP CONSTRAINT hj212_sample_pkey;
ALTER TABLE hj212_sample ADD PRIMARY KEY (t, mn, cn);
DROP INDEX hj212_sample_t;
{{- else -}}
CREATE TABLE hj212_sample_by_time (
    t        INTEGER NOT NULL,
    mn       TEXT NOT NULL,
    cn       TEXT NOT NULL,
    station  TEXT NOT NULL,
    so2 INTEGER, no2 INTEGER, co INTEGER, o3 INTEGER, pm10 INTEGER, pm25 INTEGER,
    f_so2 TEXT, f_no2 TEXT, f_co TEXT, f_o3 TEXT, f_pm10 TEXT, f_pm25 TEXT,
    PRIMARY KEY (t, mn, cn)
) WITHOUT ROWID;
INSERT INTO hj212_sample_by_time (t, mn, cn, station, so2, no2, co, o3, pm10, pm25, f_so2, f_no2, f_co, f_o3, f_pm10, f_pm25)
    SELECT t, mn, cn, station, so2, no2, co, o3, pm10, pm25, f_so2, f_no2, f_co, f_o3, f_pm10, f_pm25 FROM hj212_sample;
DROP TABLE hj212_sample;
ALTER TABLE hj212_sample_by_time RENAME TO hj212_sample;
{{- end}}

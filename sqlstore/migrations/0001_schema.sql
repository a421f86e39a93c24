-- 0001: the core schema. This file is a text/template rendered per dialect
-- (see dialect.go): {{.Time}} is an instant (Unix seconds in SQLite,
-- timestamptz in PostgreSQL), {{.Day}} a Beijing calendar day
-- ('YYYY-MM-DD' text in SQLite, date in PostgreSQL).

-- Administrative areas: city → county, district or functional zone → township.
CREATE TABLE area (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township')),
    parent TEXT REFERENCES area (code)
);
CREATE INDEX area_parent ON area (parent);

-- Monitoring stations. area is NULL for a station created by an import
-- before its area was known.
CREATE TABLE station (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('national', 'provincial', 'county', 'township', 'micro', 'background')),
    area        TEXT REFERENCES area (code),
    lon         {{.Float}} NOT NULL DEFAULT 0,
    lat         {{.Float}} NOT NULL DEFAULT 0,
    active_from {{.Time}},
    active_to   {{.Time}},
    evaluation  {{.Bool}} NOT NULL DEFAULT {{.False}},
    mn          TEXT UNIQUE,
    synthetic   {{.Bool}} NOT NULL DEFAULT {{.False}}
);
CREATE INDEX station_area ON station (area);

-- Where hourly values come from ("import:FILE", "hj212", "api"): a small
-- integer in every hourly row instead of repeated text.
CREATE TABLE source (
    id   {{.Serial}},
    name TEXT NOT NULL UNIQUE
);

-- One row per committed import of a file.
CREATE TABLE import_run (
    id          {{.Serial}},
    file        TEXT NOT NULL,
    format      TEXT NOT NULL,
    started_at  {{.Time}} NOT NULL,
    finished_at {{.Time}} NOT NULL,
    rows_read   INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    revised     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    messages    TEXT NOT NULL DEFAULT '[]'
);

-- The current revision of every station-hour. t is the END of the hour.
-- Values are exact integer thousandths of the unit (µg/m³, CO mg/m³), NULL
-- when missing; flags holds the six HJ 212 flags in the order
-- so2,no2,co,o3,pm10,pm25. The station leads the primary key so that the
-- table can be distributed by station. PostgreSQL has no foreign key here:
-- monthly partitions are attached while imports run, which a key to station
-- would serialise against them; the store checks station codes itself.
CREATE TABLE observation (
    station     TEXT NOT NULL{{if not .Postgres}} REFERENCES station (code){{end}},
    t           {{.Time}} NOT NULL,
    so2         INTEGER,
    no2         INTEGER,
    co          INTEGER,
    o3          INTEGER,
    pm10        INTEGER,
    pm25        INTEGER,
    flags       TEXT NOT NULL,
    audit       TEXT NOT NULL,
    source      INTEGER NOT NULL,
    run         INTEGER,
    line        INTEGER,
    received_at {{.Time}} NOT NULL,
    revision    INTEGER NOT NULL,
    PRIMARY KEY (station, t)
){{if .Postgres}} PARTITION BY RANGE (t){{else}} WITHOUT ROWID{{end}};

-- Every superseded revision, written by the trigger below so that no code
-- path can update a station-hour without keeping what it replaced.
CREATE TABLE observation_revision (
    station       TEXT NOT NULL,
    t             {{.Time}} NOT NULL,
    revision      INTEGER NOT NULL,
    so2           INTEGER,
    no2           INTEGER,
    co            INTEGER,
    o3            INTEGER,
    pm10          INTEGER,
    pm25          INTEGER,
    flags         TEXT NOT NULL,
    audit         TEXT NOT NULL,
    source        INTEGER NOT NULL,
    run           INTEGER,
    line          INTEGER,
    received_at   {{.Time}} NOT NULL,
    superseded_at {{.Time}} NOT NULL,
    PRIMARY KEY (station, t, revision)
){{if not .Postgres}} WITHOUT ROWID{{end}};

{{if .Postgres -}}
CREATE FUNCTION observation_keep_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO observation_revision (station, t, revision, so2, no2, co, o3, pm10, pm25, flags, audit,
        source, run, line, received_at, superseded_at)
    VALUES (OLD.station, OLD.t, OLD.revision, OLD.so2, OLD.no2, OLD.co, OLD.o3, OLD.pm10, OLD.pm25,
        OLD.flags, OLD.audit, OLD.source, OLD.run, OLD.line, OLD.received_at, NEW.received_at);
    RETURN NEW;
END $$;
CREATE TRIGGER observation_keep_revision BEFORE UPDATE ON observation
    FOR EACH ROW EXECUTE FUNCTION observation_keep_revision();
CREATE FUNCTION observation_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hourly observations are never deleted; write a revision instead';
END $$;
CREATE TRIGGER observation_no_delete BEFORE DELETE ON observation
    FOR EACH ROW EXECUTE FUNCTION observation_no_delete();
{{- else -}}
CREATE TRIGGER observation_keep_revision BEFORE UPDATE ON observation
BEGIN
    INSERT INTO observation_revision (station, t, revision, so2, no2, co, o3, pm10, pm25, flags, audit,
        source, run, line, received_at, superseded_at)
    VALUES (OLD.station, OLD.t, OLD.revision, OLD.so2, OLD.no2, OLD.co, OLD.o3, OLD.pm10, OLD.pm25,
        OLD.flags, OLD.audit, OLD.source, OLD.run, OLD.line, OLD.received_at, NEW.received_at);
END;
CREATE TRIGGER observation_no_delete BEFORE DELETE ON observation
BEGIN
    SELECT RAISE(ABORT, 'hourly observations are never deleted; write a revision instead');
END;
{{- end}}

-- Dust/sand days of an area (环办监测〔2016〕120号).
CREATE TABLE dust_day (
    area TEXT NOT NULL REFERENCES area (code),
    day  {{.Day}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (area, day)
);

-- Station- and area-days whose statistics must be recomputed: marked in the
-- same transaction as the change beneath them, cleared in the transaction
-- that stores the recomputed statistic.
CREATE TABLE dirty_day (
    kind TEXT NOT NULL CHECK (kind IN ('station', 'area')),
    code TEXT NOT NULL,
    day  {{.Day}} NOT NULL,
    PRIMARY KEY (kind, code, day)
);

-- Derived daily statistics (never edited by hand): the engine's result as
-- JSON (lantian.DailyStat) plus the columns queries filter on.
CREATE TABLE stat_day (
    kind        TEXT NOT NULL CHECK (kind IN ('station', 'area')),
    code        TEXT NOT NULL,
    day         {{.Day}} NOT NULL,
    edition     TEXT NOT NULL,
    aqi         INTEGER NOT NULL,
    data        TEXT NOT NULL,
    computed_at {{.Time}} NOT NULL,
    PRIMARY KEY (kind, code, day)
);

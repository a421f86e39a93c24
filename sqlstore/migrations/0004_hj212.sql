-- 0004: the HJ 212 gateway's registry and durable sink (hj212/gateway):
-- registered data loggers, minute and real-time samples, reported daily
-- values, pollution-source (CEMS) uploads and other device events. Hourly
-- values go to observation like every other source.

-- Registered devices. The access password is kept as given: the protocol
-- sends it in clear (PW=…) and the gateway compares it.
CREATE TABLE device (
    mn       TEXT PRIMARY KEY,
    password TEXT NOT NULL,
    station  TEXT NOT NULL,
    st       TEXT NOT NULL DEFAULT '',
    units    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX device_station ON device (station);

-- Minute (CN 2051) and real-time (CN 2011) values of ambient stations.
-- A missing value never replaces a stored one (split packets).
CREATE TABLE hj212_sample (
    mn       TEXT NOT NULL,
    cn       TEXT NOT NULL,
    t        {{.Time}} NOT NULL,
    station  TEXT NOT NULL,
    so2 INTEGER, no2 INTEGER, co INTEGER, o3 INTEGER, pm10 INTEGER, pm25 INTEGER,
    f_so2 TEXT, f_no2 TEXT, f_co TEXT, f_o3 TEXT, f_pm10 TEXT, f_pm25 TEXT,
    PRIMARY KEY (mn, cn, t)
);
CREATE INDEX hj212_sample_t ON hj212_sample (t);

-- Daily values devices reported (CN 2031), as reported; the platform's
-- own daily statistics are computed from the hours.
CREATE TABLE hj212_daily (
    station  TEXT NOT NULL,
    day      {{.Day}} NOT NULL,
    mn       TEXT NOT NULL,
    so2 INTEGER, no2 INTEGER, co INTEGER, o3 INTEGER, pm10 INTEGER, pm25 INTEGER,
    f_so2 TEXT, f_no2 TEXT, f_co TEXT, f_o3 TEXT, f_pm10 TEXT, f_pm25 TEXT,
    PRIMARY KEY (station, day)
);

-- Pollution-source uploads, verbatim: one row per upload and one per CP
-- field.
CREATE TABLE cems_record (
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    data_time {{.Time}} NOT NULL,
    station   TEXT NOT NULL,
    st        TEXT NOT NULL,
    qn        TEXT NOT NULL,
    PRIMARY KEY (mn, cn, data_time)
);
CREATE TABLE cems_value (
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    data_time {{.Time}} NOT NULL,
    code      TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (mn, cn, data_time, code, field)
);

-- Other uploads (boot time, status, logs, instrument ids …), verbatim.
CREATE TABLE hj212_event (
    mn        TEXT NOT NULL,
    cn        TEXT NOT NULL,
    qn        TEXT NOT NULL,
    pno       INTEGER NOT NULL,
    station   TEXT NOT NULL,
    st        TEXT NOT NULL,
    received  {{.Time}} NOT NULL,
    data_time {{.Time}},
    cp        TEXT NOT NULL,
    PRIMARY KEY (mn, cn, qn, pno)
);

#!/usr/bin/python3
"""The lantian calc benchmark's reference: the same daily and annual
statistics as `lantian calc daily` / `lantian calc period`, written the way an
analyst would write them in pandas (Debian python3-pandas).

    calc_pandas.py daily  WIDE.csv > daily.csv
    calc_pandas.py period WIDE.csv > period.csv

Daily: 24-hour means of SO2, NO2, CO, PM10, PM2.5 valid with >= 20 hours
(GB 3095 table 4), O3 daily maximum 8-hour mean over the windows ending
08:00-24:00 (each valid with >= 6 hours, >= 14 valid windows), O3 maximum
1-hour value, all rounded half-even, and the HJ 633-2012 daily AQI.
Period: annual means, HJ 663 percentiles (SO2/NO2 98th, PM/CO 95th,
O3-8h 90th; k = 1 + (n-1)p), valid days, good days (AQI <= 100),
heavy days (AQI > 200), composite index.
"""
import sys

import numpy as np
import pandas as pd

POLS = ["so2", "no2", "co", "pm10", "pm25"]

# HJ 633-2012 table 1 breakpoints (daily items and O3).
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
BP = {
    "so2": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "no2": [0, 40, 80, 180, 280, 565, 750, 940],
    "co": [0, 2, 4, 14, 24, 36, 48, 60],
    "pm10": [0, 50, 150, 250, 350, 420, 500, 600],
    "pm25": [0, 35, 75, 115, 150, 250, 350, 500],
    "o3_8h": [0, 100, 160, 215, 265, 800, np.nan, np.nan],
    "o3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
}
# GB 3095-2012 grade II annual limits (CO, O3: daily/8-h limits for the index).
LIMIT = {"so2": 60, "no2": 40, "pm10": 70, "pm25": 35, "co": 4, "o3_8h": 160}
PCT = {"so2": 98, "no2": 98, "co": 95, "pm10": 95, "pm25": 95, "o3_8h": 90}


def iaqi(c, item):
    bp = np.array(BP[item])
    ok = ~np.isnan(bp)
    v = np.interp(c, bp[ok], np.array(IAQI)[ok], right=np.nan)
    return np.ceil(v)


def daily(path):
    df = pd.read_csv(path)
    # ISO 8601 with offset -> Beijing wall-clock time (naive, fast to group).
    df["time"] = pd.to_datetime(df["time"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    # Hours are labelled by their end: the day is that of the hour's start.
    df["date"] = (df["time"] - pd.Timedelta(hours=1)).dt.normalize()
    g = df.groupby(["station", "date"])
    mean = g[POLS].mean()
    count = g[POLS].count()
    out = mean.where(count >= 20)
    # O3: 8-hour moving means within each station's hourly series.
    df = df.set_index("time")
    roll = df.groupby("station")["o3"].rolling("8h", min_periods=6).mean().reset_index()
    roll["date"] = (roll["time"] - pd.Timedelta(hours=1)).dt.normalize()
    hour = roll["time"].dt.hour
    roll = roll[(hour >= 8) | (hour == 0)]  # windows ending 08:00 ... 24:00
    o3 = roll.groupby(["station", "date"])["o3"].agg(["max", "count"])
    out["o3_8h"] = o3["max"].where(o3["count"] >= 14)
    o3h = df.reset_index().groupby(["station", "date"])["o3"].agg(["max", "count"])
    out["o3_1h"] = o3h["max"].where(o3h["count"] >= 20)
    for p in POLS + ["o3_8h", "o3_1h"]:
        out[p] = out[p].round(1 if p == "co" else 0)
    sub = pd.DataFrame({p: iaqi(out[p].to_numpy(), p) for p in POLS + ["o3_8h", "o3_1h"]}, index=out.index)
    out["aqi"] = sub.max(axis=1)
    return out


def period(path):
    d = daily(path)
    g = d.groupby(level="station")
    res = pd.DataFrame(index=g.size().index)
    for p in POLS + ["o3_8h"]:
        res[p + "_mean"] = g[p].mean().round(1 if p == "co" else 0)
        res[p + "_pct"] = g[p].quantile(PCT[p] / 100, interpolation="linear").round(1 if p == "co" else 0)
        res[p + "_days"] = g[p].count()
    res["aqi_days"] = g["aqi"].count()
    res["good_days"] = g["aqi"].apply(lambda a: (a <= 100).sum())
    res["heavy_days"] = g["aqi"].apply(lambda a: (a > 200).sum())
    res["good_ratio"] = (100 * res["good_days"] / res["aqi_days"]).round(1)
    res["composite"] = sum(res[p + "_mean"] / LIMIT[p] for p in ["so2", "no2", "pm10", "pm25"]) + \
        res["co_pct"] / LIMIT["co"] + res["o3_8h_pct"] / LIMIT["o3_8h"]
    res["composite"] = res["composite"].round(2)
    return res


def main():
    what, path = sys.argv[1], sys.argv[2]
    out = daily(path) if what == "daily" else period(path)
    out.to_csv(sys.stdout, date_format="%Y-%m-%d")


if __name__ == "__main__":
    main()

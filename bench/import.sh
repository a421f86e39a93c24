#!/usr/bin/env bash
# Import benchmark (issue 3): imports ≥ 1 M hourly values (STATIONS stations
# × one year × 6 pollutants, default 24 → 1.26 M values) into SQLite and into
# PostgreSQL with `lantian import`, and times in the same run the physical
# baseline: sqlite3 .import of the same rows into a plain table, and COPY
# into a plain PostgreSQL table. Prints the times side by side and the
# ratios (target: ≤ 2×). Every figure is the best of RUNS runs (default 3),
# the lantian and baseline runs interleaved, so that a busy machine
# disturbs both alike; CPU time is reported per station-hour as well.
#
# PostgreSQL: LANTIAN_BENCH_POSTGRES (or LANTIAN_TEST_POSTGRES) is a DSN of a
# database the script may create and drop databases next to; without it the
# PostgreSQL half is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
STATIONS=${STATIONS:-24}
RUNS=${RUNS:-3}
work=$(mktemp -d /tmp/lantian-bench-import.XXXXXX)
trap 'rm -rf "$work"' EXIT

go build -o "$work/lantian" ./cmd/lantian

# The data: a wide CSV, one row per station-hour of 2023 (8,760 hours).
awk -v n="$STATIONS" 'BEGIN {
  OFS=","; print "station,time,pm25,pm10,so2,no2,co,o3"
  srand(42)
  for (s = 1; s <= n; s++) {
    for (h = 1; h <= 8760; h++) {
      t = 1672502400 + h * 3600           # 2023-01-01T00:00+08:00 + h hours
      d = strftime("%Y-%m-%dT%H:00:00+08:00", t + 8 * 3600, 1)
      b = 30 + 25 * sin(h / 200.0)
      print sprintf("B%03d", s), d, int(b + rand() * 40), int(b * 1.6 + rand() * 60), int(5 + rand() * 10),
        int(20 + rand() * 30), sprintf("%.1f", 0.5 + rand()), int(40 + 60 * rand())
    }
  }
}' > "$work/hours.csv"
{
  echo "code,name,level,parent"
  echo "990000,Bench City,city,"
} > "$work/areas.csv"
{
  echo "code,name,kind,area,lon,lat,evaluation"
  for s in $(seq 1 "$STATIONS"); do printf 'B%03d,Bench %d,national,990000,112.5,33.0,true\n' "$s" "$s"; done
} > "$work/stations.csv"
rows=$(($(wc -l < "$work/hours.csv") - 1))
values=$((rows * 6))
echo "data: $rows station-hours, $values hourly values ($(du -h "$work/hours.csv" | cut -f1))"

# measure CMD…: prints "wall cpu" in seconds (cpu = user + system time of
# the command's own processes; a shared machine inflates wall time, CPU
# time much less).
measure() {
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" > /dev/null
  awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$work/time"
}
ratio() { echo "scale=2; $1 / $2" | bc; }
# best "wall cpu" of its arguments, each "wall cpu": the least of each.
best() { printf '%s\n' "$@" | awk 'NR == 1 || $1 < w { w = $1 } NR == 1 || $2 < c { c = $2 } END { printf "%.2f %.2f", w, c }'; }

# ---- SQLite ----
sq_data=() sq_stats=() sq_base=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$work/sq" "$work/base.db"
  "$work/lantian" import -q --data "$work/sq" "$work/areas.csv" "$work/stations.csv" > /dev/null
  sq_data+=("$(measure "$work/lantian" import -q --defer-stats --data "$work/sq" "$work/hours.csv")")
  sq_base+=("$(measure sqlite3 "$work/base.db" \
    "CREATE TABLE obs (station TEXT, time TEXT, pm25 INTEGER, pm10 INTEGER, so2 INTEGER, no2 INTEGER, co REAL, o3 INTEGER);" \
    ".mode csv" ".import --skip 1 $work/hours.csv obs")")
  rm -rf "$work/sq"
  "$work/lantian" import -q --data "$work/sq" "$work/areas.csv" "$work/stations.csv" > /dev/null
  sq_stats+=("$(measure "$work/lantian" import -q --data "$work/sq" "$work/hours.csv")")
done
read -r w_data_sq c_data_sq <<< "$(best "${sq_data[@]}")"
read -r w_lantian_sq c_lantian_sq <<< "$(best "${sq_stats[@]}")"
read -r w_base_sq c_base_sq <<< "$(best "${sq_base[@]}")"
n=$(sqlite3 "$work/sq/lantian.db" "SELECT count(*) FROM observation")
[ "$n" -eq "$rows" ] || { echo "SQLite import stored $n of $rows station-hours"; exit 1; }

echo "load average after the SQLite runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
row() { printf '%-11s %-26s %8.2fs %8.2fs %7.2fx\n' "$1" "$2" "$3" "$4" "$(ratio "$3" "$4")"; }
# µs of CPU per station-hour
per() { echo "scale=2; $1 * 1000000 / $rows" | bc; }
printf '\n%-11s %-26s %9s %9s %8s   (best of %d runs)\n' store "lantian import, time" lantian baseline ratio "$RUNS"
row SQLite "data only, wall" "$w_data_sq" "$w_base_sq"
row SQLite "data only, cpu" "$c_data_sq" "$c_base_sq"
row SQLite "with statistics, wall" "$w_lantian_sq" "$w_base_sq"
row SQLite "with statistics, cpu" "$c_lantian_sq" "$c_base_sq"
echo "            (baseline: sqlite3 .import into a plain table; CPU per station-hour: data only $(per "$c_data_sq") µs,"
echo "             with statistics $(per "$c_lantian_sq") µs, baseline $(per "$c_base_sq") µs)"

# ---- PostgreSQL ----
dsn=${LANTIAN_BENCH_POSTGRES:-${LANTIAN_TEST_POSTGRES:-}}
if [ -z "$dsn" ]; then
  echo "PostgreSQL: skipped (set LANTIAN_BENCH_POSTGRES or LANTIAN_TEST_POSTGRES)"
  exit 0
fi
db="lantian_bench_$$"
psql -q "$dsn" -c "CREATE DATABASE $db" > /dev/null
pgdsn=$(echo "$dsn" | sed -E "s#/[^/?]+(\?|$)#/$db\1#")
trap 'psql -q "$dsn" -c "DROP DATABASE IF EXISTS $db" > /dev/null 2>&1; rm -rf "$work"' EXIT
fresh_pg() {
  psql -q "$dsn" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" > /dev/null
  "$work/lantian" import -q --db "$pgdsn" "$work/areas.csv" "$work/stations.csv" > /dev/null
  psql -q "$pgdsn" -c "CREATE TABLE obs (station text, time timestamptz, pm25 integer, pm10 integer, so2 integer, no2 integer, co numeric, o3 integer)" > /dev/null
}
# Each measured command starts from a database prepared the same way
# (fresh_pg), so that none runs on a database another has just loaded.
pg_data=() pg_stats=() pg_base=()
for run in $(seq 1 "$RUNS"); do
  fresh_pg
  pg_data+=("$(measure "$work/lantian" import -q --defer-stats --db "$pgdsn" "$work/hours.csv")")
  fresh_pg
  pg_base+=("$(measure psql -q "$pgdsn" -c "\\copy obs FROM '$work/hours.csv' CSV HEADER")")
  fresh_pg
  pg_stats+=("$(measure "$work/lantian" import -q --db "$pgdsn" "$work/hours.csv")")
done
read -r w_data_pg c_data_pg <<< "$(best "${pg_data[@]}")"
read -r w_lantian_pg c_lantian_pg <<< "$(best "${pg_stats[@]}")"
read -r w_base_pg c_base_pg <<< "$(best "${pg_base[@]}")"
n=$(psql -qtA "$pgdsn" -c "SELECT count(*) FROM observation")
[ "$n" -eq "$rows" ] || { echo "PostgreSQL import stored $n of $rows station-hours"; exit 1; }
echo "load average after the PostgreSQL runs: $(cut -d' ' -f1-3 /proc/loadavg)"
row PostgreSQL "data only, wall" "$w_data_pg" "$w_base_pg"
row PostgreSQL "with statistics, wall" "$w_lantian_pg" "$w_base_pg"
echo "            (baseline: COPY into a plain table; server CPU is not counted, so only wall time compares;"
echo "             lantian's own CPU: data only ${c_data_pg}s = $(per "$c_data_pg") µs per station-hour,"
echo "             with statistics ${c_lantian_pg}s = $(per "$c_lantian_pg") µs)"

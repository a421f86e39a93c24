#!/usr/bin/env bash
# calc benchmark (issue 2): daily and annual statistics of ≥ 200
# station-years from a wide CSV, by `lantian calc daily` / `lantian calc
# period` and, in the same run, by the idiomatic pandas script
# bench/calc_pandas.py (Debian python3-pandas). Prints both times, the
# ratios (target ≥ 30×), how far the two agree, and the in-memory kernel
# throughput (target ≥ 10,000 station-years per second per core).
#
#   bench/calc.sh                 # 200 stations × 1 year
#   STATIONS=400 YEARS=1 bench/calc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STATIONS=${STATIONS:-200}
YEARS=${YEARS:-1}
PY=${PY:-/usr/bin/python3}
work=$(mktemp -d /tmp/lantian-bench-calc.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! "$PY" -c 'import pandas' 2>/dev/null; then
  echo "pandas missing: apt-get update && apt-get install -y python3-pandas" >&2
  exit 1
fi

go build -o "$work/lantian" ./cmd/lantian
go run ./bench/gen -stations "$STATIONS" -years "$YEARS" > "$work/wide.csv"
rows=$(($(wc -l < "$work/wide.csv") - 1))
to=$(date -d "2019-01-01 +$YEARS year -1 day" +%F)
echo "data: $STATIONS stations × $YEARS year(s) = $((STATIONS * YEARS)) station-years, $rows rows, $(du -h "$work/wide.csv" | cut -f1) (synthetic, bench/synth)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# run OUT CMD…: runs CMD with its output in OUT and prints "wall cpu"
# (seconds; cpu = user + system of the process and its children).
run() {
  local out=$1; shift
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > "$out"
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
}

# The synthetic data has no bad rows, so lantian exits 0.
read -r go_daily go_daily_cpu < <(run "$work/daily.csv" "$work/lantian" calc daily "$work/wide.csv")
read -r go_period go_period_cpu < <(run "$work/period.csv" "$work/lantian" calc period --from 2019-01-01 --to "$to" "$work/wide.csv")
read -r pd_daily pd_daily_cpu < <(run "$work/daily_pd.csv" "$PY" bench/calc_pandas.py daily "$work/wide.csv")
read -r pd_period pd_period_cpu < <(run "$work/period_pd.csv" "$PY" bench/calc_pandas.py period "$work/wide.csv")

ratio() { echo "$1 / $2" | bc -l; }
printf '\n%-22s %10s %10s %8s   %10s %10s %8s\n' "" "lantian" "pandas" "ratio" "CPU lantian" "pandas" "ratio"
line() { printf '%-22s %9.2fs %9.2fs %7.1f×   %9.2fs %9.2fs %7.1f×%s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")" "$4" "$5" "$(ratio "$5" "$4")" "${6:-}"; }
line "daily (parse+days)" "$go_daily" "$pd_daily" "$go_daily_cpu" "$pd_daily_cpu"
line "period (parse+annual)" "$go_period" "$pd_period" "$go_period_cpu" "$pd_period_cpu"
line "end to end" "$(echo "$go_daily + $go_period" | bc -l)" "$(echo "$pd_daily + $pd_period" | bc -l)" \
  "$(echo "$go_daily_cpu + $go_period_cpu" | bc -l)" "$(echo "$pd_daily_cpu + $pd_period_cpu" | bc -l)" "   (target ≥ 30× wall)"
echo "(wall = elapsed time; CPU = user + system seconds, which a busy machine inflates less)"
awk -v r="$rows" -v d="$go_daily_cpu" -v p="$go_period_cpu" -v pd="$pd_daily_cpu" -v pp="$pd_period_cpu" \
  'BEGIN { printf "CPU per input row: lantian daily %.2f µs, period %.2f µs; pandas daily %.2f µs, period %.2f µs\n", 1e6*d/r, 1e6*p/r, 1e6*pd/r, 1e6*pp/r }'

# Do the two compute the same thing? Compare the daily AQI and PM2.5.
"$PY" - "$work/daily.csv" "$work/daily_pd.csv" <<'PYEOF'
import sys
import pandas as pd
g = pd.read_csv(sys.argv[1]).set_index(["station", "date"])
p = pd.read_csv(sys.argv[2]).set_index(["station", "date"])
j = g.join(p, rsuffix="_pd", how="inner")
for c in ["aqi", "pm25", "o3_8h", "co"]:
    both = j[c].notna() & j[c + "_pd"].notna()
    eq = (j[c][both] == j[c + "_pd"][both]).sum()
    print(f"agreement {c:6s}: {eq} of {both.sum()} station-days equal "
          f"(validity differs on {(j[c].notna() != j[c + '_pd'].notna()).sum()})")
PYEOF

echo
echo "in-memory kernels (what \`lantian calc period\` computes per station: published daily values,"
echo "daily AQI and the annual assessment, no I/O; KernelsDaily: the same through full Daily records),"
echo "against a plain pass summing the same hourly values (the ratio is the stable figure):"
go test -run '^$' -bench 'Kernels' -benchtime 2s ./bench/ | grep -E '^Benchmark' | tee "$work/kernels.txt"
awk '{ n = $1; sub(/-[0-9]+$/, "", n); for (i = 1; i < NF; i++) if ($(i+1) == "station-years/cpu-s") v[n] = $i }
     END { k = v["BenchmarkKernels"]; s = v["BenchmarkKernelsBaseline"]
           if (k > 0 && s > 0) printf "kernels: %.0f station-years per CPU-second per core (target ≥ 10,000); %.1f× the time of the plain summing pass\n", k, s / k }' "$work/kernels.txt"

#!/bin/sh
# Load benchmark of the web platform (issue 5): a year of data for ≥ 250
# stations (the demo data plus `lantian demo --simulate` county and township
# stations: 17 county-level areas × (1 + TOWNSHIPS) stations, default
# TOWNSHIPS=19 → 340 simulated stations + the real ones), then 100
# concurrent clients (CONC) on the overview and station-detail endpoints for
# DURATION (default 20 s), after one warm-up pass over every view. Prints
# throughput, p50/p90/p99 latency and the server's CPU time per request.
# Target: p99 ≤ 50 ms. PROFILE=FILE writes the server's CPU profile over
# the whole run to FILE (go tool pprof FILE).
#
# The data directory (bench/out/web-data) is kept between runs; delete it to
# rebuild the data set.
set -eu
cd "$(dirname "$0")/.."
data=bench/out/web-data
addr=${ADDR:-127.0.0.1:18090}
bin="${TMPDIR:-/tmp}/lantian-web-bench.$$"
gen="${TMPDIR:-/tmp}/lantian-web-load.$$"
go build -o "$bin" ./cmd/lantian
go build -o "$gen" ./bench/web
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true # the profile is written on shutdown
  fi
  rm -f "$bin" "$gen"
}
trap cleanup EXIT
if [ ! -f "$data/lantian.db" ]; then
  mkdir -p "$data"
  echo "building the data set in $data (demo data + simulated stations for 2019)…"
  "$bin" demo --data "$data" --simulate --years 2019 --townships "${TOWNSHIPS:-19}"
fi
# A machine account with a read-only token for the load generator.
"$bin" user add bench-load --role machine --name "web load benchmark" --data "$data" >/dev/null 2>&1 || true
token=$("$bin" token create --user bench-load --name "bench/web.sh" --scopes '*:read' --days 1 --data "$data" | grep -o 'lt_[A-Za-z0-9_-]*' | head -n1)
[ -n "$token" ] || { echo "could not create an API token for the load generator"; exit 1; }
"$bin" serve --data "$data" --addr "$addr" --cache-ttl 10m ${PROFILE:+--cpuprofile "$PROFILE"} > bench/out/web-serve.log 2>&1 &
pid=$!
i=0
until curl -sf "http://$addr/healthz" >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "server did not start; see bench/out/web-serve.log"; exit 1; }
  sleep 0.2
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
"$gen" -url "http://$addr" -token "$token" -pid "$pid" -c "${CONC:-100}" -duration "${DURATION:-20s}" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

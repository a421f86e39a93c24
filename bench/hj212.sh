#!/bin/sh
# Load benchmark of the HJ 212 gateway (bench/hj212): CONNS device
# connections (default 1000) on 127.0.0.1 send minute data and wait for
# their acknowledgements; the gateway's sink appends each batch to a file
# and fsyncs it before acknowledging, or with -sink sqlite commits it to
# the platform's store (SQLite) as lantian serve --hj212-addr does, or with
# -sink postgres to the store on PostgreSQL (-postgres URL, default
# $LANTIAN_TEST_POSTGRES; a fresh schema, dropped afterwards). Runs
# WARMUP + DURATION (default 3 s + 20 s) and stops by itself. Extra
# arguments go to the program (e.g. -sink sqlite, -window 8,
# -cpuprofile cpu.prof).
set -eu
cd "$(dirname "$0")/.."
bin="${TMPDIR:-/tmp}/lantian-hj212-bench.$$"
go build -o "$bin" ./bench/hj212
trap 'rm -f "$bin"' EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
"$bin" -conns "${CONNS:-1000}" -duration "${DURATION:-20s}" -warmup "${WARMUP:-3s}" -window "${WINDOW:-4}" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/sh
# Instructions per benchmark iteration, counted by valgrind's cachegrind:
# the figure to optimise the kernels by on a shared machine, where times
# move with the neighbours' load and instruction counts do not.
#
#   bench/icount.sh                          # standard, BenchmarkStationYear
#   bench/icount.sh ./bench Kernels$ 3 600   # bench/, 3 iterations of 200 station-years
#   REV=HEAD~3 bench/icount.sh               # the same at another revision, side by side
#
# Arguments: package (default ./standard), benchmark regexp (default
# StationYear$), iterations (default 300), units per iteration to divide by
# (default the iterations). Only instructions spent in functions of the
# package github.com/lantian-aq/lantian/standard are counted, so the
# benchmark's set-up, the runtime's background work and the test harness
# do not blur the figure. Needs valgrind (apt-get install valgrind).
set -eu
cd "$(dirname "$0")/.."
pkg=${1:-./standard}
re=${2:-'StationYear$'}
n=${3:-300}
units=${4:-$n}
command -v valgrind >/dev/null || { echo "bench/icount.sh needs valgrind (apt-get install valgrind)"; exit 1; }
work=$(mktemp -d /tmp/lantian-icount.XXXXXX)
trap 'rm -rf "$work"; [ -n "${wt:-}" ] && git worktree remove --force "$wt" 2>/dev/null; true' EXIT

count() { # count BINARY LABEL
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$work/cg.out" \
    "$1" -test.run '^$' -test.bench "$re" -test.benchtime "${n}x" >/dev/null 2>&1
  cg_annotate --threshold=0 --auto=no "$work/cg.out" 2>/dev/null | awk -v u="$units" -v label="$2" '
    /file:function/ { on = 1; next }
    on && /^$/ { exit }
    on && /lantian-aq\/lantian\/standard\./ { gsub(",", "", $1); s += $1 }
    END { printf "%-12s %10.0f instructions per unit in package standard\n", label, s / u }'
}

go test -c -o "$work/new.test" "$pkg"
if [ -n "${REV:-}" ]; then
  wt="$work/rev"
  git worktree add -f --detach "$wt" "$REV" >/dev/null 2>&1
  (cd "$wt" && go test -c -o "$work/old.test" "$pkg")
  count "$work/old.test" "$REV"
fi
count "$work/new.test" "working tree"

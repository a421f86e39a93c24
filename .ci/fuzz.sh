#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time (FUZZTIME, default
# 20s each). A crash fails the run. The fuzz coordinator sometimes reports
# "context deadline exceeded" when a loaded machine starves a worker at the end
# of -fuzztime without any failing input; such a run is retried once, and any
# run that wrote a failing input fails at once.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
status=0
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz'); do
    for try in 1 2; do
      echo "fuzz $pkg $f (try $try)"
      out=$(go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1)
      rc=$?
      printf '%s\n' "$out" | tail -n 3
      [ $rc -eq 0 ] && break
      if printf '%s' "$out" | grep -q 'Failing input written' || ! printf '%s' "$out" | grep -q 'context deadline exceeded'; then
        printf '%s\n' "$out"
        status=1
        break
      fi
      [ $try -eq 2 ] && { printf '%s\n' "$out"; status=1; }
    done
  done
done
exit $status

#!/usr/bin/env bash
# Runs every benchmark script in turn; each prints its figures next to its
# baseline. See bench/README.md for what each one measures and its target.
# Usage: bench/run.sh [calc|import|web|hj212 ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")"
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(calc import web hj212)
for b in "${which[@]}"; do
  echo "=== bench/$b.sh  ($(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
  "./$b.sh"
done

#!/bin/sh
# Copies the ECharts build pinned in package-lock.json into web/static/vendor/
# (committed and embedded in the binary, so `go run` needs no npm) and records
# its version and SHA-256 in web/static/vendor/MANIFEST, which a Go test
# checks against the embedded file and the lock file.
#
#   sh web/ui/vendor.sh          copy after `npm ci` (or `go generate ./web`)
#   sh web/ui/vendor.sh --check  verify the committed copy equals node_modules
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/node_modules/echarts/dist/echarts.min.js"
dst="$here/../static/vendor/echarts.min.js"
manifest="$here/../static/vendor/MANIFEST"
if [ ! -f "$src" ]; then
  echo "vendor.sh: $src is missing; run 'npm ci' in web/ui first" >&2
  exit 1
fi
version=$(node -p "require('$here/node_modules/echarts/package.json').version")
locked=$(node -p "require('$here/package-lock.json').packages['node_modules/echarts'].version")
if [ "$version" != "$locked" ]; then
  echo "vendor.sh: node_modules has echarts $version but package-lock.json pins $locked; run 'npm ci'" >&2
  exit 1
fi
sum=$(sha256sum "$src" | cut -d' ' -f1)
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$src" "$dst"; then
    echo "vendor.sh: web/static/vendor/echarts.min.js differs from echarts $version in node_modules; run 'sh web/ui/vendor.sh'" >&2
    exit 1
  fi
  echo "echarts $version: vendored copy is identical ($sum)"
  exit 0
fi
mkdir -p "$(dirname "$dst")"
cp "$src" "$dst"
printf 'echarts %s sha256 %s\n' "$version" "$sum" > "$manifest"
echo "copied echarts $version to web/static/vendor/echarts.min.js ($sum)"

#!/usr/bin/env bash
# Re-vendor the NHS.UK frontend CSS, JS and assets into static/nhsuk (needs npm; runtime does not).
set -euo pipefail
VERSION="${1:-10.6.1}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "nhsuk-frontend@${VERSION}" >/dev/null 2>&1 && tar xzf "nhsuk-frontend-${VERSION}.tgz")
dest="$here/static/nhsuk"
rm -rf "$dest" && mkdir -p "$dest"
cp "$tmp/package/dist/nhsuk/nhsuk-frontend.min.css" "$tmp/package/dist/nhsuk/nhsuk-frontend.min.js" "$dest/"
cp -r "$tmp/package/dist/nhsuk/assets" "$dest/assets"
echo "$VERSION" > "$dest/VERSION"

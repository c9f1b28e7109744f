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
# The CSS loads the Frutiger web font from assets.nhs.uk. Our CSP allows fonts from 'self'
# only (no third-party requests from residents' browsers), so drop those @font-face rules:
# the stylesheet's own fallback (Arial, sans-serif) is used instead.
python3 - "$dest/nhsuk-frontend.min.css" <<'PY'
import re, sys
path = sys.argv[1]
css = open(path, encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
open(path, "w", encoding="utf-8").write(css)
PY
echo "$VERSION" > "$dest/VERSION"

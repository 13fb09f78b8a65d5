// Browser test of the vigil dashboard against a running `vigil serve`.
//
//   node tests/browser/dashboard.test.mjs
//
// Environment: VIGIL_URL (the server, e.g. http://127.0.0.1:8080),
// SCREENSHOTS (directory for the PNGs), VIGIL_TEST_IP (an address known to
// be in the store), CHROMIUM (default /usr/bin/chromium).
//
// Each page is loaded in headless Chromium (driven by playwright-core over
// CDP; no browser download) and the figures it renders are compared with
// the answer of the same API query fetched here, independently of the page:
// every figure cell carries data-value (the raw number) and its visible
// text must be the same number.  Then a drill-down (click a family: the URL
// gets the filter and the figures equal the API's with it), back/forward,
// a period preset, the language switch and the address lookup.  Any page
// error, Content-Security-Policy violation or failed request other than the
// dashboard's capability probes fails the test.  Prints one line per check
// and a closing "N passed, N failed" line; exit 0 when all passed.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const BASE = (process.env.VIGIL_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const SHOTS = process.env.SCREENSHOTS || path.join(os.tmpdir(), 'vigil-screenshots');
const KNOWN_IP = process.env.VIGIL_TEST_IP || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VIGIL = process.env.VIGIL || '';
const DB = process.env.VIGIL_TEST_DB || '';
const DEADLINE_MS = 70000;

fs.mkdirSync(SHOTS, { recursive: true });
const started = Date.now();
let passed = 0;
let failed = 0;

async function api(p, token) {
  const res = await fetch(BASE + p, token ? { headers: { Authorization: 'Bearer ' + token } } : {});
  const body = await res.json();
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')).toString();
const land = (o) => api('/api/v1/landscape?' + qs(o));

async function check(name, fn) {
  const t0 = Date.now();
  try {
    if (Date.now() - started > DEADLINE_MS) throw new Error('time budget of the test exhausted');
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e.message}`);
  }
}

// ---- page helpers ---------------------------------------------------------

/** Which render the page shows: the document (its time origin) and the dashboard's render count. */
const renderId = (page) =>
  page.evaluate(() => {
    const m = document.querySelector('main');
    return m && m.dataset.rendered ? performance.timeOrigin + ':' + m.dataset.rendered : '';
  });

/** Runs action, then waits for the render it causes to finish. */
async function settle(page, action) {
  const before = await renderId(page);
  await action();
  await page.waitForFunction(
    (prev) => {
      const m = document.querySelector('main');
      const id = m && m.dataset.rendered ? performance.timeOrigin + ':' + m.dataset.rendered : '';
      return !!m && m.dataset.state !== 'loading' && id !== '' && id !== prev;
    },
    before,
    { timeout: 10000 },
  );
  const state = await page.evaluate(() => document.querySelector('main').dataset.state);
  if (state !== 'ready') {
    const msg = await page.evaluate(() => document.querySelector('[data-testid=error]')?.textContent || '');
    throw new Error('the view ended in state ' + state + ': ' + msg);
  }
}

async function open(page, hash) {
  await settle(page, () => page.goto(BASE + '/' + hash));
}

const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));

/** Rows of a data table: [{key, ips, events, ...}] with text checked against data-value. */
async function tableRows(page, testid) {
  const more = await page.$(`[data-testid="${testid}-show-all"]:not([hidden])`);
  if (more) await more.click(); // long tables show their first rows until asked
  const rows = await page.$$eval(`[data-testid="${testid}"] tbody tr[data-key]`, (trs) =>
    trs.map((tr) => {
      const out = { key: tr.dataset.key };
      for (const td of tr.querySelectorAll('td[data-testid]')) {
        out[td.dataset.testid] = { value: td.dataset.value, text: td.textContent };
      }
      return out;
    }),
  );
  for (const r of rows) {
    for (const f of ['ips', 'events']) {
      if (!r[f]) continue;
      assert.equal(digits(r[f].text), Number(r[f].value), `${testid} row ${r.key}: ${f} shows "${r[f].text}" for ${r[f].value}`);
    }
  }
  return rows;
}

/** The table equals the API's rows for key (order not checked: tables sort). */
function sameRows(rows, apiRows, key, label) {
  const want = new Map(apiRows.map((r) => [String(r[key] ?? ''), r]));
  assert.equal(rows.length, apiRows.length, `${label}: ${rows.length} rows shown, the API has ${apiRows.length}`);
  for (const r of rows) {
    const a = want.get(r.key);
    assert.ok(a, `${label}: row ${r.key} is not in the API's answer`);
    assert.equal(Number(r.ips.value), a.ips, `${label}: ips of ${r.key}`);
    if (r.events) assert.equal(Number(r.events.value), a.events, `${label}: events of ${r.key}`);
  }
}

/** The trend table lists every day of the period, the API only days with data. */
const nonZero = (rows) => rows.filter((r) => Number(r.ips.value) > 0 || Number(r.events.value) > 0);

async function kpi(page, id) {
  const el = await page.$(`[data-testid="${id}"]`);
  assert.ok(el, `KPI ${id} is on the page`);
  const value = await el.getAttribute('data-value');
  const text = await el.textContent();
  assert.equal(digits(text), Number(value), `KPI ${id} shows "${text}" for ${value}`);
  return Number(value);
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });

// ---- the run --------------------------------------------------------------

if (!fs.existsSync(CHROMIUM)) {
  console.log('skipped: no Chromium at ' + CHROMIUM);
  process.exit(77);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-chromium-'));
let ctx;
try {
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'en-US',
    timezoneId: 'Asia/Ho_Chi_Minh',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
} catch (e) {
  // installed but unable to start is a failure, not a skip
  console.log('FAIL chromium does not start: ' + e.message);
  process.exit(1);
}

const page = ctx.pages()[0] || (await ctx.newPage());
page.setDefaultTimeout(10000);
const problems = [];
let expectRefusal = false;
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.on('console', (m) => {
  if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push('console: ' + m.text());
});
page.on('response', (r) => {
  const u = new URL(r.url());
  // the dashboard probes optional keys (by=province, isp, ip) and /asns once: a 4xx there is the answer
  const probe = u.searchParams.get('top') === '1' && (/^(province|isp|ip)$/.test(u.searchParams.get('by') || '') || u.pathname === '/api/v1/asns');
  // a wrong token at the sign-in form is refused: that 401 is the answer
  const refused = expectRefusal && u.pathname === '/api/v1/session' && r.status() === 401;
  if (r.status() >= 400 && !probe && !refused) problems.push(`HTTP ${r.status()} for ${u.pathname}${u.search}`);
});

const health = await api('/api/v1/health');
let caps = [];
let geo = 'region';

await check('overview: KPIs, trend and top tables equal the API', async () => {
  await open(page, '#/overview?lang=en');
  caps = (await page.evaluate(() => document.documentElement.dataset.caps || '')).split(' ');
  geo = caps.includes('province') ? 'province' : 'region';
  const byDay = await land({ by: 'day' });
  assert.equal(await kpi(page, 'kpi-ips'), byDay.total.ips);
  assert.equal(await kpi(page, 'kpi-events'), byDay.total.events);
  sameRows(nonZero(await tableRows(page, 'trend-table')), byDay.rows, 'day', 'trend');
  const ispKey = caps.includes('isp') ? 'isp' : 'asn';
  for (const key of ['family', ispKey, geo]) {
    const want = await land({ by: key, top: 10 });
    const rows = await tableRows(page, 'rank-' + key);
    sameRows(rows, want.rows, key, 'top ' + key);
    assert.deepEqual(rows.map((r) => r.key), want.rows.map((r) => String(r[key])), `top ${key}: ranked as the API ranks`);
  }
  assert.ok(await page.$('[data-testid="trend-chart"] canvas'), 'the trend chart is drawn');
  await shot(page, '01-overview');
});

await check('banner and attribution', async () => {
  const banner = await page.textContent('[data-testid="mode-banner"]');
  assert.equal(health.mode, 'operator');
  assert.match(banner, /Operator mode: local callers see everything/);
  const foot = await page.textContent('[data-testid="attribution"]');
  assert.match(foot, /IP geolocation by DB-IP \(db-ip\.com\), CC BY 4\.0; ASN data: RouteViews and DB-IP, CC BY 4\.0/);
  const links = await page.$$eval('[data-testid="attribution"] a', (as) => as.map((a) => a.href));
  assert.ok(links.some((h) => h.startsWith('https://db-ip.com')), 'links to db-ip.com');
  assert.ok(links.some((h) => h.includes('creativecommons.org/licenses/by/4.0')), 'links to the licence');
});

await check('ISPs: table by ASN equals /api/v1/asns (addresses, events, announced space, share)', async () => {
  await open(page, '#/isps?group=asn&lang=en');
  const asns = await api('/api/v1/asns');
  const rows = await tableRows(page, 'table-asns');
  sameRows(rows, asns.rows, 'asn', 'ASN table');
  const byAsn = new Map(asns.rows.map((r) => [String(r.asn), r]));
  for (const r of rows) {
    const a = byAsn.get(r.key);
    assert.equal(r.announced.value === '' ? null : Number(r.announced.value), a.announced_addresses ?? null, `announced of AS${r.key}`);
    if (typeof a.infected_share === 'number') assert.ok(Math.abs(Number(r.share.value) - a.infected_share) < 1e-12, `share of AS${r.key}`);
  }
  assert.equal(await page.$$eval('[data-testid="table-asns"] svg.spark', (s) => s.length), rows.length, 'one sparkline per ASN');
  await shot(page, '02-isps');
  if (caps.includes('isp')) {
    await open(page, '#/isps?lang=en');
    const ops = await land({ by: 'isp' });
    sameRows(await tableRows(page, 'table-isps'), ops.rows, 'isp', 'operator table');
    const first = ops.rows[0].isp;
    await settle(page, () => page.click(`[data-testid="table-isps"] tr[data-key=${JSON.stringify(first)}] [data-testid="pick-isp"]`));
    assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), new RegExp('isp=' + first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const under = await api('/api/v1/asns?' + qs({ isp: first }));
    sameRows(await tableRows(page, 'table-asns'), under.rows, 'asn', 'ASNs of ' + first);
    await shot(page, '02b-isp-operator');
  }
});

await check('provinces: ranked table equals the API', async () => {
  await open(page, '#/provinces?lang=en');
  const want = await land({ by: geo });
  const rows = await tableRows(page, 'table-provinces');
  sameRows(rows, want.rows, geo, 'provinces');
  assert.equal(await kpi(page, 'kpi-ips'), want.total.ips);
  await shot(page, '03-provinces');
});

await check('provinces: the map colours the 34 provinces by the API and drills down', async () => {
  if (geo !== 'province') return; // a server without the province key has no map
  // the check before left the page here; opening the same URL again would not render
  if (!(await page.evaluate(() => location.hash)).startsWith('#/provinces?lang=en')) await open(page, '#/provinces?lang=en');
  const want = await land({ by: 'province' });
  const shapes = await api('/vendor/vn-provinces.json');
  const paths = await page.$$eval('[data-testid="province-map"] [data-testid="map-province"]',
    (ps) => ps.map((p) => ({ code: p.dataset.code, ips: Number(p.dataset.ips), fill: p.getAttribute('fill') })));
  assert.equal(paths.length, 34, 'one shape per province of today');
  assert.equal(new Set(paths.map((p) => p.code)).size, 34, 'distinct province codes');
  assert.deepEqual(paths.map((p) => p.code).sort(), shapes.provinces.map((p) => p.code).sort());
  const byCode = new Map(want.rows.filter((r) => r.province_code).map((r) => [r.province_code, r.ips]));
  for (const p of paths) assert.equal(p.ips, byCode.get(p.code) || 0, `map figure of ${p.code}`);
  for (const code of byCode.keys()) assert.ok(paths.some((p) => p.code === code), `${code} of the API is on the map`);
  // more addresses never get a lighter class than fewer
  const classes = ['#eef0f3', '#fde0dd', '#fa9fb5', '#f768a1', '#c51b8a', '#7a0177'];
  const sorted = paths.slice().sort((a, b) => a.ips - b.ips);
  for (let k = 1; k < sorted.length; k++)
    assert.ok(classes.indexOf(sorted[k].fill) >= classes.indexOf(sorted[k - 1].fill), 'colour classes follow the figures');
  assert.ok(await page.$('[data-testid="map-legend"]'), 'a legend');
  await shot(page, '03b-provinces-map');
  const top = want.rows.find((r) => r.province_code);
  await settle(page, () => page.click(`[data-testid="map-province"][data-code="${top.province_code}"]`));
  const hash = await page.evaluate(() => location.hash);
  assert.equal(new URLSearchParams(hash.split('?')[1] || '').get('province'), top.province, 'a click on the map filters by that province');
  assert.equal(await kpi(page, 'kpi-ips'), top.ips, 'the drill-down shows that province\'s figure');
});

let family = null;
await check('families: table equals the API', async () => {
  await open(page, '#/families?lang=en');
  const want = await land({ by: 'family' });
  sameRows(await tableRows(page, 'table-families'), want.rows, 'family', 'families');
  family = want.rows[1 % want.rows.length].family;
  await shot(page, '04-families');
});

let asn = null;
await check('drill-down: a family click filters the URL and the figures', async () => {
  assert.ok(family, 'a family to click');
  await settle(page, () => page.click(`[data-testid="table-families"] tr[data-key=${JSON.stringify(family)}] [data-testid="pick-family"]`));
  const hash = await page.evaluate(() => location.hash);
  assert.equal(new URLSearchParams(hash.split('?')[1]).get('family'), family, 'the URL carries the filter: ' + hash);
  const byDay = await land({ by: 'day', family });
  assert.equal(await kpi(page, 'kpi-ips'), byDay.total.ips);
  assert.equal(await kpi(page, 'kpi-events'), byDay.total.events);
  const key = caps.includes('isp') ? 'isp' : 'asn';
  const top = await land({ by: key, family, top: 10 });
  sameRows(await tableRows(page, 'rank-' + key), top.rows, key, `top ${key} of ${family}`);
  const topGeo = await land({ by: geo, family, top: 10 });
  sameRows(await tableRows(page, 'rank-' + geo), topGeo.rows, geo, `top ${geo} of ${family}`);
  assert.equal(await page.$('[data-testid="rank-family"]'), null, 'no family ranking inside one family');
  asn = (await land({ by: 'asn', family, top: 1 })).rows[0].asn;
  await shot(page, '05-family-detail');
});

await check('drill-down to the rows behind a figure, then back', async () => {
  // From the family view, the ASN's figure → the finest rows of family × ASN.
  await open(page, `#/isps?family=${encodeURIComponent(family)}&asn=${asn}&lang=en`);
  const one = await land({ by: 'day', family, asn });
  assert.equal(await kpi(page, 'kpi-ips'), one.total.ips, 'ISP detail under the family filter');
  await settle(page, () => page.click('[data-testid="detail-rows"]'));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /^#\/rows\?/);
  const want = await land({ by: `day,family,asn,${geo}`, family, asn, top: 1001 });
  const rows = await tableRows(page, 'table-rows');
  assert.equal(rows.length, Math.min(1000, want.rows.length), 'every finest group is listed');
  const sum = rows.reduce((n, r) => n + Number(r.events.value), 0);
  assert.equal(sum, want.rows.reduce((n, r) => n + r.events, 0), 'events of the rows add up to the API\'s');
  assert.equal(await kpi(page, 'kpi-ips'), want.total.ips);
  await shot(page, '06-rows');
  await settle(page, () => page.goBack());
  assert.match(await page.evaluate(() => location.hash), /^#\/isps\?/, 'back returns to the ISP view');
  await settle(page, () => page.goForward());
  assert.match(await page.evaluate(() => location.hash), /^#\/rows\?/, 'forward returns to the rows');
});

await check('period preset: last 7 days in the URL and the figures', async () => {
  await open(page, '#/overview?lang=en');
  await settle(page, () => page.click('[data-testid="preset-7"]'));
  const p = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
  assert.ok(p.get('from') && p.get('to'), 'from and to in the URL');
  const d = (s) => Date.parse(s + 'T00:00:00Z');
  assert.equal((d(p.get('to')) - d(p.get('from'))) / 86400000, 6, 'seven days inclusive');
  const want = await land({ by: 'day', from: p.get('from'), to: p.get('to') });
  assert.equal(await kpi(page, 'kpi-ips'), want.total.ips);
  sameRows(nonZero(await tableRows(page, 'trend-table')), want.rows, 'day', 'trend of 7 days');
});

await check('language switch: English → Vietnamese, kept in the URL and localStorage', async () => {
  await open(page, '#/overview?lang=en');
  assert.equal((await page.textContent('[data-testid="nav-overview"]')).trim(), 'Overview');
  await settle(page, () => page.click('[data-testid="lang-vi"]'));
  assert.equal((await page.textContent('[data-testid="nav-overview"]')).trim(), 'Tổng quan');
  assert.equal((await page.textContent('[data-testid="view-title"]')).trim(), 'Tổng quan');
  assert.match(await page.evaluate(() => location.hash), /lang=vi/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
  assert.match(await page.textContent('[data-testid="mode-banner"]'), /Chế độ vận hành/);
  // numbers in Vietnamese use '.' for thousands
  const total = (await land({ by: 'day' })).total.events;
  assert.equal((await page.textContent('[data-testid="kpi-events"]')).trim(), new Intl.NumberFormat('vi-VN').format(total));
  await shot(page, '07-overview-vi');
  await open(page, '#/families');
  await settle(page, () => page.reload());
  assert.equal((await page.textContent('[data-testid="nav-overview"]')).trim(), 'Tổng quan', 'the choice survives a reload without lang=');
  await open(page, '#/overview?lang=en');
});

await check('address lookup opens /api/v1/ip/{address}', async () => {
  const ip = KNOWN_IP;
  assert.ok(ip, 'VIGIL_TEST_IP names an address in the store');
  await page.fill('[data-testid="lookup-input"]', ip);
  await settle(page, () => page.press('[data-testid="lookup-input"]', 'Enter'));
  const want = await api('/api/v1/ip/' + encodeURIComponent(ip));
  assert.ok(want.observations.length > 0, 'the address has observations');
  assert.equal(await kpi(page, 'kpi-observations'), want.observations.length);
  assert.equal(await kpi(page, 'kpi-events'), want.observations.reduce((n, o) => n + o.events, 0));
  assert.equal((await tableRows(page, 'table-observations')).length, want.observations.length);
  assert.match(await page.textContent('[data-testid="ip-asn"]'), new RegExp('AS' + want.asn));
  await shot(page, '08-address');
});

await check('sign-in: an organisation turns access control on; a token session shows what it may read', async () => {
  assert.ok(VIGIL && DB, 'VIGIL and VIGIL_TEST_DB name the binary and the database');
  execFileSync(VIGIL, ['org', 'add', 'VNCERT', '--role', 'member', '--country', 'VN', '--db', DB]);
  const token = execFileSync(VIGIL, ['token', 'create', '--org', 'VNCERT', '--db', DB]).toString().trim();
  // the server counts organisations at most once a second
  for (let k = 0; k < 30 && (await api('/api/v1/session')).mode !== 'access-control'; k++) await new Promise((r) => setTimeout(r, 100));
  await open(page, '#/overview?lang=en');
  await settle(page, () => page.reload());
  assert.match(await page.textContent('[data-testid="mode-banner"]'), /TLP:CLEAR data only/);
  const anon = await land({ by: 'day' });
  if (anon.total.ips) assert.equal(await kpi(page, 'kpi-ips'), anon.total.ips);
  else assert.ok(await page.$('[data-testid="no-data"]'), 'anonymous: nothing CLEAR, nothing shown');
  await shot(page, '09-anonymous');
  // a wrong token: a clear message, still anonymous
  await page.click('[data-testid="sign-in"]');
  await page.fill('[data-testid="login-token"]', 'vgt_' + 'x'.repeat(43));
  expectRefusal = true;
  await page.click('[data-testid="login-submit"]');
  await page.waitForFunction(() => (document.querySelector('[data-testid="login-message"]') || {}).textContent);
  expectRefusal = false;
  assert.match(await page.textContent('[data-testid="login-message"]'), /Sign-in failed/);
  // the right one: the page reloads as VNCERT
  await page.fill('[data-testid="login-token"]', token);
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="login-submit"]')]);
  await page.waitForFunction(() => { const m = document.querySelector('main'); return m && m.dataset.state === 'ready'; });
  assert.match(await page.textContent('[data-testid="account-who"]'), /VNCERT · member agency/);
  assert.match(await page.textContent('[data-testid="mode-banner"]'), /Signed in as VNCERT/);
  const mine = await api('/api/v1/landscape?by=day', token);
  assert.ok(mine.total.ips > 0, 'VNCERT reads something');
  assert.equal(await kpi(page, 'kpi-ips'), mine.total.ips);
  assert.equal(await kpi(page, 'kpi-events'), mine.total.events);
  const cookies = await ctx.cookies();
  const c = cookies.find((x) => x.name === 'vigil_session');
  assert.ok(c && c.httpOnly && c.sameSite === 'Strict', 'an HttpOnly, SameSite=Strict session cookie');
  assert.equal(await page.evaluate(() => document.cookie.includes('vigil_session')), false, 'scripts cannot read the cookie');
  await shot(page, '10-signed-in');
  // sign out: anonymous again, the cookie gone
  await Promise.all([page.waitForNavigation(), page.click('[data-testid="sign-out"]')]);
  await page.waitForSelector('[data-testid="sign-in"]');
  assert.ok(!(await ctx.cookies()).some((x) => x.name === 'vigil_session' && x.value), 'the cookie is cleared');
});

await check('no page errors, CSP violations or failed requests', async () => {
  assert.deepEqual(problems, []);
});

await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`browser test: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

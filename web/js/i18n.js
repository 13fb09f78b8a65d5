// Interface text and locale formatting.  Every string shown to the user is
// a key in i18n/<lang>.json; numbers and dates go through Intl so that
// Vietnamese gets "1.234" and "1 thg 10, 2026" and English "1,234" and
// "1 Oct 2026".  Days from the API are calendar days in UTC ("YYYY-MM-DD")
// and are formatted in UTC so the browser's time zone never shifts them.

export const LANGS = ['vi', 'en'];
const LOCALE = { vi: 'vi-VN', en: 'en-GB' };
const STORE_KEY = 'vigil.lang';

let lang = 'vi';
let strings = {};
const loaded = {};
let nf, nfCompact, pf, sf, df, dfShort;

export function currentLang() {
  return lang;
}

export function storedLang() {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null;
  }
}

/** Loads (once) and switches to a language; remembers it in localStorage. */
export async function setLang(l) {
  if (!LANGS.includes(l)) l = 'vi';
  if (!loaded[l]) {
    const res = await fetch('/i18n/' + l + '.json');
    if (!res.ok) throw new Error('i18n/' + l + '.json: HTTP ' + res.status);
    loaded[l] = await res.json();
  }
  lang = l;
  strings = loaded[l];
  const loc = LOCALE[l];
  nf = new Intl.NumberFormat(loc);
  nfCompact = new Intl.NumberFormat(loc, { notation: 'compact', maximumFractionDigits: 1 });
  pf = new Intl.NumberFormat(loc, { style: 'percent', maximumSignificantDigits: 3 });
  sf = new Intl.NumberFormat(loc, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  df = new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  dfShort = new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  document.documentElement.lang = l;
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* private mode: the URL still carries lang= */
  }
}

/** t('key', {name: value}) → the string with {name} replaced. */
export function t(key, vars) {
  let str = strings[key];
  if (str === undefined) {
    console.warn('i18n: missing key', key);
    str = key;
  }
  if (vars) str = str.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return str;
}

/** Like t(), but {name} may be a DOM node (links in running text). */
export function tNodes(key, nodes) {
  const out = [];
  const str = t(key);
  let last = 0;
  str.replace(/\{(\w+)\}/g, (m, k, off) => {
    out.push(str.slice(last, off));
    out.push(k in nodes ? nodes[k] : m);
    last = off + m.length;
    return m;
  });
  out.push(str.slice(last));
  return out;
}

export const fmtNum = (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : nf.format(n));
export const fmtCompact = (n) => nfCompact.format(n);
/** Small fractions (infected share of an address space): three significant digits. */
export const fmtPct = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : pf.format(x));
/** Parts of a whole (share of all addresses): one decimal, so a column lines up. */
export const fmtShare = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : sf.format(x));

/** 'YYYY-MM-DD' → Date at UTC midnight. */
export function dayToDate(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}
export const fmtDay = (day) => (day ? df.format(typeof day === 'string' ? dayToDate(day) : day) : '–');
export const fmtDayShort = (day) => dfShort.format(typeof day === 'string' ? dayToDate(day) : day);
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[lang], {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    timeZone: 'UTC', timeZoneName: 'short',
  }).format(d);
}

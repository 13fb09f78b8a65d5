// The JSON API client.  Every view asks for data through api(); answers are
// cached per URL for the life of one navigation, so a view that needs the
// same query twice (a table and its chart) makes one request.  Errors come
// back from the server as {"error":{"status":N,"message":"..."}} and are
// raised as ApiError so a view can show the message.

export class ApiError extends Error {
  constructor(status, message, url) {
    super(message);
    this.status = status;
    this.url = url;
  }
}

let cache = new Map();

/** Forget cached answers (called on every navigation). */
export function apiReset() {
  cache = new Map();
}

/** Builds /api/v1/<path>?<params>, leaving out empty parameters. */
export function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return '/api/v1/' + path + (qs ? '?' + qs : '');
}

async function fetchJson(url) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new ApiError(0, e.message, url);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* a body that is not JSON: reported below by status */
  }
  if (!res.ok || body === null) {
    const msg = body && body.error && body.error.message ? body.error.message : res.statusText;
    throw new ApiError(res.status, msg || 'HTTP ' + res.status, url);
  }
  return body;
}

/** GET an API path; resolves with the parsed JSON, rejects with ApiError. */
export function api(path, params) {
  const url = apiUrl(path, params);
  if (!cache.has(url)) {
    const p = fetchJson(url);
    p.catch(() => cache.delete(url));
    cache.set(url, p);
  }
  return cache.get(url);
}

/** Resolves true when the server answers the query without an error. */
export async function apiSupports(path, params) {
  try {
    await fetchJson(apiUrl(path, params));
    return true;
  } catch {
    return false;
  }
}

/** POST or DELETE a JSON body; resolves with the parsed answer. */
export async function apiSend(method, path, body) {
  const url = apiUrl(path);
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, e.message, url);
  }
  let j = null;
  try {
    j = await res.json();
  } catch {
    /* not JSON: reported by status */
  }
  if (!res.ok) {
    const msg = j && j.error && j.error.message ? j.error.message : res.statusText;
    throw new ApiError(res.status, msg || 'HTTP ' + res.status, url);
  }
  return j;
}

'use strict';

// Everything the app knows about where the Contacts API lives and how it answers: the URLs (all of
// them from one setting, BASE_URL), the headers every call carries, and the translation of the
// API's errors into the errors Zapier understands.

const LIVE_BASE_URL = 'https://services.leadconnectorhq.com';
// The live consent page is not on the API host but on the marketplace's.
const LIVE_CONSENT_URL = 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation';
const API_VERSION = '2021-07-28';
const SCOPES = 'contacts.readonly contacts.write';
// The live burst window (100 requests per 10 s): the wait when a 429 says nothing better.
const DEFAULT_WINDOW_SECONDS = 10;

// baseUrl is the one setting: the mock (http://127.0.0.1:8080 under `make run`) or the live API
// (the default). Read at every call, so `.env`, `zapier-platform env:set` and tests all work.
const baseUrl = () => (process.env.BASE_URL || LIVE_BASE_URL).replace(/\/+$/, '');

// consentUrl is the OAuth consent page. The mock serves it on its own host; the live API's is on
// the marketplace host (CONSENT_URL overrides it, e.g. for the white-label marketplace).
const consentUrl = () => {
  if (process.env.CONSENT_URL) return process.env.CONSENT_URL;
  const base = baseUrl();
  return base === LIVE_BASE_URL ? LIVE_CONSENT_URL : `${base}/v2/oauth/chooselocation`;
};

const tokenUrl = () => `${baseUrl()}/oauth/token`;
const apiUrl = (path) => `${baseUrl()}${path}`;

const isOAuthRequest = (request) => {
  try {
    return new URL(request.url).pathname.startsWith('/oauth/');
  } catch (e) {
    return false;
  }
};

// beforeRequest: every API call carries the Version header and the access token.
const addHeaders = (request, z, bundle) => {
  request.headers = request.headers || {};
  request.headers.Accept = 'application/json';
  if (!isOAuthRequest(request)) {
    request.headers.Version = API_VERSION;
    if (bundle.authData && bundle.authData.access_token) {
      request.headers.Authorization = `Bearer ${bundle.authData.access_token}`;
    }
  }
  return request;
};

const header = (headers, name) => {
  const v = headers.get(name);
  return v === null || v === undefined ? '' : String(v).trim();
};

// throttleDelaySeconds is how long Zapier should wait before retrying after a 429, from the
// response's headers, at nowMs:
//   1. Retry-After (seconds or an HTTP date), when the server sends it (the mock does; the live
//      API does not document it);
//   2. the daily quota is spent (X-RateLimit-Daily-Remaining 0): until X-RateLimit-Daily-Reset
//      (epoch milliseconds; a small number is read as milliseconds from now);
//   3. otherwise a burst refusal: one window, X-RateLimit-Interval-Milliseconds (10 s live).
// Always a whole number of seconds, at least 1.
const throttleDelaySeconds = (headers, nowMs) => {
  const secondsUntil = (ms) => Math.max(1, Math.ceil(ms / 1000));
  const retryAfter = header(headers, 'retry-after');
  if (/^\d+$/.test(retryAfter)) return Math.max(1, parseInt(retryAfter, 10));
  if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) {
    return secondsUntil(Date.parse(retryAfter) - nowMs);
  }
  const dailyRemaining = header(headers, 'x-ratelimit-daily-remaining');
  const dailyReset = Number(header(headers, 'x-ratelimit-daily-reset'));
  if (dailyRemaining !== '' && Number(dailyRemaining) <= 0 && dailyReset > 0) {
    return secondsUntil(dailyReset > 1e12 ? dailyReset - nowMs : dailyReset);
  }
  const interval = Number(header(headers, 'x-ratelimit-interval-milliseconds'));
  if (interval > 0) return secondsUntil(interval);
  return DEFAULT_WINDOW_SECONDS;
};

const parseBody = (response) => {
  try {
    return typeof response.data === 'object' && response.data !== null
      ? response.data
      : JSON.parse(response.content);
  } catch (e) {
    return {};
  }
};

// apiMessages is the API's error message as a list: validation errors (422) carry a list of
// messages, every other error one string.
const apiMessages = (body) => {
  const m = body && body.message;
  if (Array.isArray(m)) return m.map(String);
  if (m) return [String(m)];
  if (body && body.error_description) return [String(body.error_description)];
  if (body && body.error) return [String(body.error)];
  return [];
};

// apiError is the error shown to the Zap user for an answer of 400 and up: the status, the API's
// error name and every message the API gave.
const apiError = (z, response) => {
  const body = parseBody(response);
  const messages = apiMessages(body);
  const what = body.error || `HTTP ${response.status}`;
  const text = messages.length ? messages.join('; ') : response.content || 'no details';
  const code = body.error ? String(body.error).toLowerCase().replace(/[^a-z0-9]+/g, '_') : 'api_error';
  return new z.errors.Error(`The Contacts API answered ${response.status} ${what}: ${text}`, code, response.status);
};

// afterResponse: 429 becomes Zapier's ThrottledError (Zapier retries the step after the delay),
// any other error status the API's own message. A 401 never gets here: with autoRefresh, core
// throws RefreshAuthError first and Zapier refreshes the token and retries. OAuth requests are
// left to authentication.js, which knows what their failures mean.
const handleErrors = (response, z) => {
  if (isOAuthRequest(response.request)) return response;
  if (response.status === 429) {
    const body = parseBody(response);
    const message = apiMessages(body)[0] || 'Too Many Requests';
    throw new z.errors.ThrottledError(
      `The Contacts API rate limit was reached: ${message}`,
      throttleDelaySeconds(response.headers, Date.now()),
    );
  }
  if (response.status >= 400) throw apiError(z, response);
  return response;
};

// locationId is the sub-account the connection was installed on.
const locationId = (z, bundle) => {
  const id = bundle.authData && bundle.authData.locationId;
  if (!id) {
    throw new z.errors.Error(
      'This connection has no sub-account (location). Reconnect and choose a sub-account.',
      'no_location',
    );
  }
  return id;
};

// compact keeps the fields the user filled in (Zapier sends empty strings for empty fields).
const compact = (obj) => {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
};

// isoDate normalises a date Zapier hands over to ISO 8601 UTC without milliseconds, the form the
// API's examples use; anything that is not a date goes through unchanged for the API to judge.
const isoDate = (value) => {
  if (value === undefined || value === null || value === '') return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

// pollLimit is the page a poll asks for: Zapier's bundle.meta.limit when set, else 100 (a
// polling trigger's default, and the most the API's list pages give).
const pollLimit = (bundle) => {
  const limit = bundle.meta && bundle.meta.limit;
  return limit > 0 ? Math.min(limit, 100) : 100;
};

module.exports = {
  SCOPES,
  addHeaders,
  apiMessages,
  apiUrl,
  compact,
  consentUrl,
  handleErrors,
  isoDate,
  locationId,
  parseBody,
  pollLimit,
  throttleDelaySeconds,
  tokenUrl,
};

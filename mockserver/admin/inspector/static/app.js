// contactsmock inspector: a client of the mock's admin API (/__admin/), served by the mock itself.
// It loads nothing from elsewhere. The admin token, when the mock asks for one, is typed in once,
// kept in this tab's sessionStorage and sent as X-Admin-Token; it never goes into a URL.
'use strict';

const $ = (id) => document.getElementById(id);
const ADMIN = '/__admin';
const MAX_ROWS = 1000; // the journal's default size: a page holds at most that many requests

// ---------------------------------------------------------------------------------------------
// The admin API

let token = sessionStorage.getItem('contactsmock.adminToken') || '';

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function headers(extra) {
  const h = Object.assign({}, extra);
  if (token) h['X-Admin-Token'] = token;
  return h;
}

// api calls the admin API; a body is sent as JSON (or as the given type). Errors come back in the
// live API's shape {statusCode, message, error}; their message is what the page shows.
async function api(method, path, body, type) {
  const init = { method, headers: headers({ Accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers['Content-Type'] = type || 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(ADMIN + path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (res.status === 401) askToken();
  if (!res.ok) {
    let msg = data && data.message !== undefined ? data.message : text;
    if (Array.isArray(msg)) msg = msg.join('; ');
    throw new APIError(res.status, res.status + ' ' + msg);
  }
  return data;
}

function askToken() {
  const f = $('token-form');
  if (!f.hidden) return;
  f.hidden = false;
  $('token-input').focus();
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('token-input').value.trim();
  sessionStorage.setItem('contactsmock.adminToken', token);
  $('token-input').value = '';
  $('token-form').hidden = true;
  start();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const esc = (v) => String(v === undefined || v === null ? '' : v).replace(/[&<>"']/g,
  (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

let toastTimer;
function toast(msg, error) {
  const t = $('toast');
  t.textContent = msg;
  t.className = error ? 'error' : '';
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, error ? 8000 : 3000);
}

// act runs an action of a button or form and reports its failure.
// busy counts the actions under way: the periodic reads wait for them (a read that crossed a
// reset would ask for what the reset removed).
let busy = 0;
async function act(fn) {
  busy++;
  try { return await fn(); } catch (e) { toast(e.message || String(e), true); return undefined; } finally { busy--; }
}

function timeOf(iso) {
  if (!iso) return '';
  const m = /T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(iso);
  return m ? m[1] : iso;
}

function statusClass(s) { return 's' + Math.floor((s || 0) / 100); }

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    // Without the clipboard API (an insecure origin): a selected textarea and execCommand.
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast(what + ' copied');
}

function pretty(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

// ---------------------------------------------------------------------------------------------
// Views and tabs

const views = ['requests', 'webhooks', 'state', 'controls', 'coverage'];
let current = '';
const refreshers = {}; // view -> function that reloads what it shows
let pollTimer;

function show(view, focusTab) {
  if (!views.includes(view)) view = 'requests';
  current = view;
  for (const v of views) {
    const tab = $('tab-' + v);
    const on = v === view;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    $('view-' + v).hidden = !on;
  }
  if (focusTab) $('tab-' + view).focus();
  if (location.hash !== '#' + view) history.replaceState(null, '', '#' + view);
  clearInterval(pollTimer);
  const r = refreshers[view];
  if (r) {
    act(r);
    // Views other than Requests (which is live) are read again every two seconds while shown.
    if (view !== 'requests') pollTimer = setInterval(() => { if (!document.hidden && !busy) act(r); }, 2000);
  }
}

$('tabs').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-view]');
  if (b) show(b.dataset.view);
});
$('tabs').addEventListener('keydown', (ev) => {
  const i = views.indexOf(current);
  let next = null;
  if (ev.key === 'ArrowRight') next = views[(i + 1) % views.length];
  if (ev.key === 'ArrowLeft') next = views[(i + views.length - 1) % views.length];
  if (ev.key === 'Home') next = views[0];
  if (ev.key === 'End') next = views[views.length - 1];
  if (next) { ev.preventDefault(); show(next, true); }
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));

// Rows that open something answer Enter and Space as well as a click.
function onPick(tbody, fn) {
  tbody.addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr[data-key]');
    if (tr && !ev.target.closest('button')) fn(tr.dataset.key, tr);
  });
  tbody.addEventListener('keydown', (ev) => {
    const tr = ev.target.closest('tr[data-key]');
    if (!tr || ev.target !== tr) return;
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); fn(tr.dataset.key, tr); }
    if (ev.key === 'ArrowDown' && tr.nextElementSibling) { ev.preventDefault(); tr.nextElementSibling.focus(); }
    if (ev.key === 'ArrowUp' && tr.previousElementSibling) { ev.preventDefault(); tr.previousElementSibling.focus(); }
  });
}

function select(tbody, tr) {
  for (const s of tbody.querySelectorAll('tr.sel')) s.classList.remove('sel');
  if (tr) tr.classList.add('sel');
}

// ---------------------------------------------------------------------------------------------
// Requests: the journal, live

const journal = []; // newest first
const bySeq = new Map();
let lastSeq = 0;
let openSeq = 0;
let streamAbort = null;

function keep(e) {
  const op = $('f-op').value, st = $('f-status').value, loc = $('f-loc').value;
  const text = $('f-text').value.trim().toLowerCase();
  if (op && e.operationId !== op) return false;
  if (st !== '' && Math.floor((e.status || 0) / 100) !== Number(st)) return false;
  if (loc && e.locationId !== loc) return false;
  if (text) {
    const hay = [e.method, e.path, e.query, e.operationId, e.fault, e.outcome, e.status,
      typeof e.message === 'string' ? e.message : JSON.stringify(e.message || '')].join(' ').toLowerCase();
    if (!hay.includes(text)) return false;
  }
  return true;
}

function rowHTML(e) {
  const path = e.path + (e.query ? '?' + e.query : '');
  const status = e.status ? e.status : (e.outcome || '—');
  return '<tr class="pick' + (e.seq === openSeq ? ' sel' : '') + '" tabindex="0" data-key="' + e.seq + '">' +
    '<td>' + e.seq + '</td><td class="mono">' + esc(timeOf(e.time)) + '</td><td>' + esc(e.method) + '</td>' +
    '<td class="path mono" title="' + esc(path) + '">' + esc(path) + '</td><td>' + esc(e.operationId) + '</td>' +
    '<td class="' + statusClass(e.status) + '">' + esc(status) + '</td><td>' + esc(e.durationMs) + '</td>' +
    '<td>' + esc(e.fault) + '</td><td class="mono">' + esc(e.locationId) + '</td></tr>';
}

// renderRequests shows the journal through the filters: the first screenfuls at once, the rest
// in the next frames, so that a thousand rows do not hold the page up.
const FIRST_ROWS = 100, CHUNK_ROWS = 300;
let renderRun = 0;
function renderRequests() {
  const kept = journal.filter(keep);
  const run = ++renderRun;
  const tbody = $('req-rows');
  tbody.innerHTML = kept.slice(0, FIRST_ROWS).map(rowHTML).join('');
  $('req-count').textContent = kept.length + ' of ' + journal.length + ' requests';
  $('req-empty').hidden = journal.length > 0;
  let i = FIRST_ROWS;
  const more = () => {
    if (run !== renderRun) return; // filtered again meanwhile
    const chunk = kept.slice(i, i + CHUNK_ROWS).filter((e) => bySeq.has(e.seq));
    tbody.insertAdjacentHTML('beforeend', chunk.map(rowHTML).join(''));
    i += CHUNK_ROWS;
    if (i < kept.length) setTimeout(more, 0);
    else performance.mark('inspector-all-rows');
  };
  if (i < kept.length) setTimeout(more, 0);
  else performance.mark('inspector-all-rows');
}

function addEntry(e) {
  if (bySeq.has(e.seq)) return;
  journal.unshift(e);
  bySeq.set(e.seq, e);
  lastSeq = Math.max(lastSeq, e.seq);
  noteLocation(e.locationId);
  if (journal.length > MAX_ROWS) {
    const old = journal.pop();
    bySeq.delete(old.seq);
    const tr = $('req-rows').querySelector('tr[data-key="' + old.seq + '"]');
    if (tr) tr.remove();
  }
  if (keep(e)) $('req-rows').insertAdjacentHTML('afterbegin', rowHTML(e));
  $('req-count').textContent = journal.filter(keep).length + ' of ' + journal.length + ' requests';
  $('req-empty').hidden = true;
}

const knownLocations = new Set();
function noteLocation(id) {
  if (!id || knownLocations.has(id)) return;
  knownLocations.add(id);
  const o = document.createElement('option');
  o.value = o.textContent = id;
  $('f-loc').appendChild(o);
}

async function loadJournal() {
  // The list without headers and bodies; an entry opened is read whole.
  const data = await api('GET', '/requests?fields=summary&limit=' + MAX_ROWS);
  journal.length = 0;
  bySeq.clear();
  for (const e of data.requests) { journal.push(e); bySeq.set(e.seq, e); noteLocation(e.locationId); }
  lastSeq = journal.length ? journal[0].seq : lastSeq;
  renderRequests();
}

// stream reads GET /__admin/requests/stream (server-sent events) with fetch, so that the admin
// token travels in a header (EventSource cannot send one). It reconnects from the last seq seen.
async function stream() {
  if (streamAbort) streamAbort.abort();
  const ctl = new AbortController();
  streamAbort = ctl;
  const live = $('live');
  for (;;) {
    try {
      const res = await fetch(ADMIN + '/requests/stream?after=' + lastSeq, { headers: headers(), signal: ctl.signal, cache: 'no-store' });
      if (res.status === 401) { askToken(); live.textContent = 'needs the admin token'; live.className = 'live off'; return; }
      if (!res.ok) throw new Error('stream ' + res.status);
      live.textContent = 'live'; live.className = 'live on';
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let data = '', event = 'message';
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) data += line.slice(6);
            else if (line.startsWith('event: ')) event = line.slice(7);
          }
          if (event === 'request' && data) addEntry(Object.assign(JSON.parse(data), { whole: true }));
        }
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
    }
    live.textContent = 'reconnecting'; live.className = 'live off';
    await new Promise((r) => setTimeout(r, 2000));
    if (ctl.signal.aborted) return;
  }
}

// curl is a command that repeats the request against this mock; the token stays a variable.
function shq(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }
const SKIP_HEADERS = new Set(['Host', 'Content-Length', 'Connection', 'Accept-Encoding', 'User-Agent', 'Transfer-Encoding']);
function curlOf(e) {
  const url = location.origin + e.path + (e.query ? '?' + e.query : '');
  const parts = ['curl'];
  if (e.method !== 'GET' || e.requestBody !== undefined) parts.push('-X ' + e.method);
  parts.push(shq(url));
  const h = e.headers || {};
  let hasBody = false;
  for (const name of Object.keys(h).sort()) {
    if (name === 'Content-Length' && h[name].some((v) => v !== '0')) hasBody = true;
    if (SKIP_HEADERS.has(name)) continue;
    for (const v of h[name]) {
      if (name === 'Authorization' && /\[redacted\]$/.test(v)) {
        parts.push('-H "' + name + ': ' + v.replace(/\[redacted\]$/, '$TOKEN') + '"');
      } else {
        parts.push('-H ' + shq(name + ': ' + v));
      }
    }
  }
  if (e.requestBody !== undefined) {
    parts.push('--data-raw ' + shq(typeof e.requestBody === 'string' ? e.requestBody : JSON.stringify(e.requestBody)));
  } else if (hasBody) {
    parts.push('--data @body.json');
  }
  return parts.join(' \\\n  ');
}

async function openRequest(seq) {
  let e = bySeq.get(Number(seq));
  if (!e) return;
  openSeq = e.seq;
  if (!e.whole) {
    try {
      e = Object.assign(await api('GET', '/requests/' + e.seq), { whole: true });
      bySeq.set(e.seq, e);
      const i = journal.findIndex((x) => x.seq === e.seq);
      if (i >= 0) journal[i] = e;
    } catch (err) {
      if (err.status !== 404) throw err;
    }
    if (openSeq !== e.seq) return; // another one was opened meanwhile
  }
  const tr = $('req-rows').querySelector('tr[data-key="' + e.seq + '"]');
  select($('req-rows'), tr);
  const d = $('req-detail');
  const dl = (pairs) => '<dl>' + pairs.filter((p) => p[1] !== undefined && p[1] !== '').map((p) =>
    '<dt>' + esc(p[0]) + '</dt><dd>' + p[1] + '</dd>').join('') + '</dl>';
  const q = e.query ? e.query.split('&').map((kv) => esc(decodeURIComponent(kv.replace(/\+/g, ' ')))).join('<br>') : '';
  const rl = e.rateLimit ? esc(e.rateLimit.remaining) + ' left in the window, ' + esc(e.rateLimit.dailyRemaining) + ' today' : '';
  const msg = e.message === undefined ? '' : Array.isArray(e.message)
    ? '<ul class="errors">' + e.message.map((m) => '<li>' + esc(m) + '</li>').join('') + '</ul>' : esc(e.message);
  const hdrs = e.headers ? Object.keys(e.headers).sort().map((k) => esc(k) + ': ' + esc(e.headers[k].join(', '))).join('\n') : '';
  const bodies = e.requestBody !== undefined || e.responseBody !== undefined;
  const hasReq = e.headers && e.headers['Content-Length'] && e.headers['Content-Length'][0] !== '0';
  d.innerHTML = '<h3 id="req-detail-title">' + esc(e.method) + ' ' + esc(e.path) + '</h3>' +
    dl([['seq', esc(e.seq)], ['time', esc(e.time)], ['status', '<span class="' + statusClass(e.status) + '">' + esc(e.status || 'no answer') + '</span>'],
      ['outcome', esc(e.outcome)], ['operation', esc(e.operationId)], ['duration', esc(e.durationMs) + ' ms'],
      ['client', esc(e.clientId)], ['location', esc(e.locationId)], ['fault', e.fault ? '<strong>' + esc(e.fault) + '</strong> fired' : ''],
      ['rate limit', rl], ['query', q]]) +
    (msg ? '<h3>Validation and errors</h3><div id="req-message">' + msg + '</div>' : '') +
    '<h3>Headers</h3><pre class="code" id="req-headers">' + hdrs + '</pre>' +
    (bodies
      ? (e.requestBody !== undefined ? '<h3>Request body</h3><pre class="code" id="req-body">' + esc(pretty(e.requestBody)) + '</pre>' : '') +
        (e.responseBody !== undefined ? '<h3>Response body</h3><pre class="code" id="resp-body">' + esc(pretty(e.responseBody)) + '</pre>' : '')
      : '<p class="muted">Bodies are kept only when the mock runs with <code>--journal-bodies</code>' + (hasReq ? ': the curl below reads this one from body.json' : '') + '.</p>') +
    '<h3>Repeat it</h3><pre class="code" id="req-curl">' + esc(curlOf(e)) + '</pre>' +
    '<button type="button" id="curl-copy">Copy curl</button> <span class="muted">with <code>TOKEN</code> set to a token of the location</span>';
  d.hidden = false;
  $('curl-copy').addEventListener('click', () => copy(curlOf(e), 'curl command'));
}

onPick($('req-rows'), (seq) => act(() => openRequest(seq)));
for (const id of ['f-op', 'f-status', 'f-loc']) $(id).addEventListener('change', renderRequests);
$('f-text').addEventListener('input', renderRequests);
$('req-filters').addEventListener('submit', (ev) => ev.preventDefault());
$('req-clear').addEventListener('click', () => act(async () => {
  await api('DELETE', '/requests');
  journal.length = 0; bySeq.clear();
  $('req-detail').hidden = true;
  renderRequests();
}));

// ---------------------------------------------------------------------------------------------
// Webhooks

let deliveries = [];
refreshers.webhooks = async () => {
  const [regs, dels, key] = await Promise.all([api('GET', '/webhooks'), api('GET', '/webhooks/deliveries?limit=200'), pubKey()]);
  $('hook-rows').innerHTML = regs.webhooks.map((w) => '<tr><td class="mono">' + esc(w.id) + '</td><td class="mono">' + esc(w.url) +
    '</td><td>' + esc((w.events || []).join(', ') || 'every event') + '</td><td class="mono">' + esc(w.locationId || 'every location') +
    '</td><td>' + esc(w.stats.pending) + '</td><td>' + esc(w.stats.delivered) + '</td><td>' + esc(w.stats.failed) + '</td><td>' + esc(w.stats.dropped) + '</td></tr>').join('');
  $('hook-empty').hidden = regs.webhooks.length > 0;
  deliveries = dels.deliveries;
  $('delivery-rows').innerHTML = deliveries.map((d) => {
    const last = d.statuses && d.statuses.length ? d.statuses[d.statuses.length - 1] : '';
    return '<tr class="pick" tabindex="0" data-key="' + esc(d.id) + '"><td class="mono">' + esc(timeOf(d.createdAt)) + '</td><td>' + esc(d.eventType) +
      '</td><td class="mono">' + esc(d.registrationId) + '</td><td>' + esc(d.state) + (d.replayOf ? ' (re-sent)' : '') + '</td><td>' + esc(d.attempts) +
      '</td><td class="' + statusClass(last) + '">' + esc((d.statuses || []).join(', ')) + '</td><td class="mono" title="' + esc(d.signature) + '">' +
      esc((d.signature || '').slice(0, 16)) + (d.signature ? '…' : '') + '</td><td><button type="button" class="small resend" data-id="' + esc(d.id) + '">Re-send</button></td></tr>';
  }).join('');
  $('delivery-empty').hidden = deliveries.length > 0;
  $('pubkey').textContent = key.pem.trim();
  $('sig-header').textContent = key.header;
};

let keyCache = null;
async function pubKey() {
  if (!keyCache) keyCache = await api('GET', '/webhooks/public-key');
  return keyCache;
}

onPick($('delivery-rows'), (id) => {
  const d = deliveries.find((x) => x.id === id);
  if (!d) return;
  select($('delivery-rows'), $('delivery-rows').querySelector('tr[data-key="' + CSS.escape(id) + '"]'));
  const el = $('delivery-detail');
  el.innerHTML = '<h3>' + esc(d.eventType) + ' → ' + esc(d.url) + '</h3><dl><dt>delivery</dt><dd class="mono">' + esc(d.id) +
    '</dd><dt>webhookId</dt><dd class="mono">' + esc(d.webhookId) + '</dd><dt>state</dt><dd>' + esc(d.state) +
    '</dd><dt>signature</dt><dd class="mono">' + esc(d.signature) + '</dd>' + (d.lastError ? '<dt>last error</dt><dd>' + esc(d.lastError) + '</dd>' : '') + '</dl>' +
    '<h3>Attempts</h3><pre class="code">' + esc((d.history || []).map((a) => a.at + '  ' + (a.status || 'no answer') + '  ' + a.durationMs + ' ms' + (a.error ? '  ' + a.error : '')).join('\n')) + '</pre>' +
    '<h3>Payload</h3><pre class="code">' + esc(pretty(d.payload)) + '</pre>';
  el.hidden = false;
});

$('delivery-rows').addEventListener('click', (ev) => {
  const b = ev.target.closest('button.resend');
  if (!b) return;
  act(async () => {
    const d = await api('POST', '/webhooks/deliveries/' + encodeURIComponent(b.dataset.id) + '/replay');
    toast('Re-sent as delivery ' + d.id);
    await refreshers.webhooks();
  });
});
$('pubkey-copy').addEventListener('click', () => act(async () => copy((await pubKey()).pem, 'public key')));

// ---------------------------------------------------------------------------------------------
// State

let openLocation = '';
let cursors = []; // the cursor of each page shown before the current one
let nextCursor = null;

refreshers.state = async () => {
  const [health, locs] = await Promise.all([api('GET', '/health'), api('GET', '/locations')]);
  const s = health.stats;
  $('stats').textContent = s.locations + ' locations, ' + s.contacts + ' contacts, ' + s.tasks + ' tasks, ' + s.notes + ' notes, ' +
    s.appointments + ' appointments, ' + s.businesses + ' businesses';
  $('loc-rows').innerHTML = locs.locations.map((l) => '<tr class="pick' + (l.id === openLocation ? ' sel' : '') + '" tabindex="0" data-key="' + esc(l.id) + '"><td class="mono">' + esc(l.id) +
    '</td><td>' + esc(l.name) + '</td><td class="mono">' + esc(l.companyId) + '</td><td>' + (l.allowDuplicateContact ? 'allowed' : 'refused') + '</td></tr>').join('');
  // A location removed meanwhile (a reset, a DELETE) is not asked for again.
  if (openLocation && !locs.locations.some((l) => l.id === openLocation)) { openLocation = ''; $('contact-detail').hidden = true; }
  if (!openLocation && locs.locations.length) { openLocation = locs.locations[0].id; cursors = []; }
  if (openLocation) await loadContacts(cursors.length ? cursors[cursors.length - 1] : null, true);
};

async function loadContacts(cursor, keepPage) {
  const p = new URLSearchParams({ limit: '10' });
  const q = $('contact-query').value.trim();
  if (q) p.set('query', q);
  if (cursor) { p.set('startAfterId', cursor.startAfterId); p.set('startAfter', cursor.startAfter); }
  let data;
  try {
    data = await api('GET', '/locations/' + encodeURIComponent(openLocation) + '/contacts?' + p);
  } catch (e) {
    if (e.status === 404) { openLocation = ''; cursors = []; return; }
    throw e;
  }
  if (!keepPage) select($('loc-rows'), $('loc-rows').querySelector('tr[data-key="' + CSS.escape(openLocation) + '"]'));
  $('contacts-title').textContent = 'Contacts of ' + openLocation;
  $('contact-rows').innerHTML = data.contacts.map((c) => '<tr class="pick" tabindex="0" data-key="' + esc(c.id) + '"><td>' + esc(c.name || [c.firstName, c.lastName].filter(Boolean).join(' ')) +
    '</td><td>' + esc(c.email) + '</td><td class="mono">' + esc(c.phone) + '</td><td>' + (c.tags || []).map((t) => '<span class="tag">' + esc(t) + '</span>').join('') +
    '</td><td class="mono">' + esc((c.dateAdded || '').slice(0, 10)) + '</td></tr>').join('');
  const from = data.total ? data.offset + 1 : 0;
  $('contacts-range').textContent = from + '–' + (data.offset + data.contacts.length) + ' of ' + data.total;
  nextCursor = data.next || null;
  $('contacts-next').disabled = !nextCursor;
  $('contacts-prev').disabled = cursors.length === 0;
}

onPick($('loc-rows'), (id) => act(async () => { openLocation = id; cursors = []; $('contact-detail').hidden = true; await loadContacts(null); }));
$('contacts-next').addEventListener('click', () => act(async () => { if (!nextCursor) return; cursors.push(nextCursor); await loadContacts(nextCursor, true); }));
$('contacts-prev').addEventListener('click', () => act(async () => { cursors.pop(); await loadContacts(cursors.length ? cursors[cursors.length - 1] : null, true); }));
let searchTimer;
$('contact-query').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => act(() => { cursors = []; return loadContacts(null, true); }), 200); });
$('contact-search').addEventListener('submit', (ev) => { ev.preventDefault(); act(() => { cursors = []; return loadContacts(null, true); }); });

onPick($('contact-rows'), (id, tr) => act(async () => {
  select($('contact-rows'), tr);
  const d = await api('GET', '/locations/' + encodeURIComponent(openLocation) + '/contacts/' + encodeURIComponent(id));
  const c = d.contact;
  const list = (items, fn) => items.length ? '<ul>' + items.map((x) => '<li>' + fn(x) + '</li>').join('') + '</ul>' : '<p class="muted">none</p>';
  const el = $('contact-detail');
  el.innerHTML = '<h3 id="contact-name">' + esc(c.name || c.id) + ' <span class="muted mono">' + esc(c.id) + '</span></h3>' +
    '<dl><dt>e-mail</dt><dd>' + esc(c.email) + '</dd><dt>phone</dt><dd>' + esc(c.phone) + '</dd><dt>company</dt><dd>' + esc(c.companyName) +
    '</dd><dt>added</dt><dd>' + esc(c.dateAdded) + '</dd><dt>updated</dt><dd>' + esc(c.dateUpdated) + '</dd><dt>dnd</dt><dd>' + esc(c.dnd) + '</dd>' +
    '<dt>tags</dt><dd id="contact-tags">' + ((c.tags || []).map((t) => '<span class="tag">' + esc(t) + '</span>').join('') || '<span class="muted">none</span>') + '</dd>' +
    '<dt>followers</dt><dd id="contact-followers" class="mono">' + (esc((c.followers || []).join(', ')) || '<span class="muted">none</span>') + '</dd></dl>' +
    '<h3>Tasks (' + d.tasks.length + ')</h3><div id="contact-tasks">' + list(d.tasks, (t) => (t.completed ? '✓ ' : '') + esc(t.title) + ' <span class="muted">due ' + esc(t.dueDate) + '</span>') + '</div>' +
    '<h3>Notes (' + d.notes.length + ')</h3><div id="contact-notes">' + list(d.notes, (n) => esc(n.body)) + '</div>' +
    '<h3>Appointments (' + d.appointments.length + ')</h3><div id="contact-appointments">' + list(d.appointments, (a) => esc(a.title) + ' <span class="muted">' + esc(a.startTime) + ', ' + esc(a.status) + '</span>') + '</div>' +
    '<h3>Raw</h3><pre class="code">' + esc(pretty(c)) + '</pre>';
  el.hidden = false;
}));

$('snap-download').addEventListener('click', () => act(async () => {
  const res = await fetch(ADMIN + '/snapshot', { headers: headers() });
  if (!res.ok) throw new Error('snapshot: ' + res.status);
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'contactsmock-snapshot.json';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  toast('Snapshot downloaded');
}));

$('seed-file').addEventListener('change', () => act(async () => {
  const f = $('seed-file').files[0];
  if (!f) return;
  const yaml = /\.ya?ml$/i.test(f.name);
  const out = await api('POST', '/seed', await f.text(), yaml ? 'application/yaml' : 'application/json');
  $('seed-file').value = '';
  toast('Seeded ' + f.name + ': ' + out.stats.contacts + ' contacts now');
  await refreshers.state();
}));

// Reset asks twice: the first press arms it for five seconds.
let resetArmed = null;
$('reset').addEventListener('click', () => act(async () => {
  const b = $('reset');
  if (!resetArmed) {
    b.textContent = 'Reset: press again to confirm';
    resetArmed = setTimeout(() => { resetArmed = null; b.textContent = 'Reset'; }, 5000);
    return;
  }
  clearTimeout(resetArmed); resetArmed = null; b.textContent = 'Reset';
  await api('POST', '/reset');
  openLocation = ''; cursors = []; $('contact-detail').hidden = true;
  toast('Reset to the state at start');
  await refreshers.state();
}));

// ---------------------------------------------------------------------------------------------
// Controls

let rateLoaded = false;
refreshers.controls = async () => {
  const [clock, rate, buckets, faults, clients, locs] = await Promise.all([api('GET', '/clock'), api('GET', '/ratelimit'),
    api('GET', '/ratelimit/buckets'), api('GET', '/faults'), api('GET', '/clients'), api('GET', '/locations')]);
  showClock(clock);
  if (!rateLoaded || !$('rate-form').contains(document.activeElement)) {
    $('rate-burst').value = rate.burst; $('rate-window').value = rate.window; $('rate-daily').value = rate.daily; $('rate-off').checked = rate.off;
    rateLoaded = true;
  }
  $('bucket-rows').innerHTML = buckets.buckets.map((b) => '<tr><td class="mono">' + esc(b.clientId) + '</td><td class="mono">' + esc(b.locationId) +
    '</td><td><meter min="0" max="' + esc(buckets.limits.burst) + '" value="' + esc(b.remaining) + '"></meter> ' + esc(b.remaining) + ' / ' + esc(buckets.limits.burst) +
    '</td><td class="mono">' + esc(timeOf(b.windowReset)) + '</td><td>' + esc(b.dailyRemaining) + ' / ' + esc(buckets.limits.daily) + '</td></tr>').join('');
  $('bucket-empty').hidden = buckets.buckets.length > 0;
  $('fault-seed').textContent = faults.seed;
  $('fault-rows').innerHTML = faults.faults.map((f) => '<tr data-key="' + esc(f.id) + '"><td class="mono">' + esc(f.id) + '</td><td>' + esc(faultMatch(f)) +
    '</td><td>' + esc(faultAction(f)) + '</td><td>' + esc(f.hits) + (f.expired ? ' (expired)' : f.remaining !== undefined ? ' (' + f.remaining + ' left)' : '') +
    '</td><td><button type="button" class="small secondary fault-remove" data-id="' + esc(f.id) + '">Remove</button></td></tr>').join('');
  $('fault-empty').hidden = faults.faults.length > 0;
  $('client-rows').innerHTML = clients.clients.map((c) => '<tr><td class="mono">' + esc(c.clientId) + '</td><td>' + esc((c.redirectUris || []).join(', ')) +
    '</td><td>' + esc((c.scopes || []).join(' ') || 'any') + '</td><td>' + esc((c.grants || []).join(', ') || 'default') + '</td></tr>').join('');
  const sel = $('mint-loc'), was = sel.value;
  sel.innerHTML = locs.locations.map((l) => '<option value="' + esc(l.id) + '">' + esc(l.id) + ' (' + esc(l.name) + ')</option>').join('');
  if (was) sel.value = was;
};

function faultMatch(f) {
  const m = [f.method, f.operationId, f.path, f.locationId && 'location ' + f.locationId].filter(Boolean).join(' ');
  return m || 'every request';
}
function faultAction(f) {
  const a = [];
  if (f.status) a.push('answers ' + f.status);
  if (f.latencyMs) a.push('waits ' + f.latencyMs + (f.jitterMs ? '+' + f.jitterMs : '') + ' ms');
  if (f.drop) a.push('drops the connection');
  if (f.truncate) a.push('truncates the body');
  if (f.count) a.push(f.count + ' times');
  if (f.probability !== undefined && f.probability !== null && f.probability !== 0) a.push('p=' + f.probability);
  return a.join(', ');
}

function showClock(c) {
  $('clock-value').textContent = c.now;
  $('clock-offset').textContent = c.offset;
  $('clock-now').textContent = 'mock time ' + timeOf(c.now).slice(0, 8) + (c.offset !== '0s' ? ' (+' + c.offset + ')' : '');
}

$('clock-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const c = await api('POST', '/clock', { advance: $('clock-advance').value.trim() });
    showClock(c);
    $('clock-advance').value = '';
    toast('Clock advanced: now ' + c.now);
  });
});
$('clock-back').addEventListener('click', () => act(async () => { showClock(await api('POST', '/clock', { offset: '0s' })); toast('Clock set back to the wall clock'); }));

$('rate-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const r = await api('PUT', '/ratelimit', { burst: Number($('rate-burst').value), window: $('rate-window').value.trim(),
      daily: Number($('rate-daily').value), off: $('rate-off').checked });
    toast('Rate limits: ' + r.burst + ' per ' + r.window + ', ' + r.daily + ' per day' + (r.off ? ' (off)' : ''));
    document.activeElement.blur();
    await refreshers.controls();
  });
});

$('fault-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const f = {};
    const str = (id, k) => { const v = $(id).value.trim(); if (v) f[k] = v; };
    const num = (id, k) => { const v = $(id).value.trim(); if (v !== '') f[k] = Number(v); };
    str('fault-id', 'id'); str('fault-op', 'operationId'); str('fault-method', 'method'); str('fault-path', 'path');
    num('fault-status', 'status'); num('fault-latency', 'latencyMs'); num('fault-count', 'count'); num('fault-prob', 'probability');
    str('fault-message', 'body');
    if ($('fault-drop').checked) f.drop = true;
    if ($('fault-truncate').checked) f.truncate = true;
    const out = await api('POST', '/faults', f);
    $('fault-form').reset();
    toast('Fault ' + out.id + ' added');
    await refreshers.controls();
  });
});
$('fault-rows').addEventListener('click', (ev) => {
  const b = ev.target.closest('button.fault-remove');
  if (b) act(async () => { await api('DELETE', '/faults/' + encodeURIComponent(b.dataset.id)); toast('Fault ' + b.dataset.id + ' removed'); await refreshers.controls(); });
});
$('fault-clear').addEventListener('click', () => act(async () => { const r = await api('DELETE', '/faults'); toast(r.deleted + ' faults removed'); await refreshers.controls(); }));

$('mint-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const scopes = [];
    if ($('mint-read').checked) scopes.push('contacts.readonly');
    if ($('mint-write').checked) scopes.push('contacts.write');
    const t = await api('POST', '/tokens', { locationId: $('mint-loc').value, scopes });
    $('minted-token').value = t.access_token;
    $('minted-ttl').textContent = t.expires_in + ' s, ' + t.scope;
    $('minted').hidden = false;
    $('minted-token').focus();
    $('minted-token').select();
  });
});
$('minted-copy').addEventListener('click', () => copy($('minted-token').value, 'token'));

// ---------------------------------------------------------------------------------------------
// Coverage

let operations = null;
refreshers.coverage = async () => {
  const c = await api('GET', '/coverage');
  fillOperations(c.operations);
  const s = c.summary;
  $('cov-summary').innerHTML = '<strong>' + s.operationsAnswered + '</strong> of ' + s.operations + ' operations answered <meter min="0" max="' + s.operations + '" value="' + s.operationsAnswered +
    '"></meter> <strong>' + s.declaredStatusesAnswered + '</strong> of ' + s.declaredStatuses + ' declared statuses <meter min="0" max="' + s.declaredStatuses + '" value="' + s.declaredStatusesAnswered + '"></meter>';
  const gaps = $('cov-gaps').checked;
  $('cov-rows').innerHTML = c.operations.filter((o) => !gaps || o.statuses.some((x) => x.declared && !x.count)).map((o) => '<tr data-key="' + esc(o.operationId) + '"><td>' + esc(o.method) +
    '</td><td class="mono">' + esc(o.path) + '</td><td>' + esc(o.operationId) + '</td><td>' + esc(o.answered) + '</td><td>' +
    o.statuses.map((x) => '<span class="chip ' + (!x.declared ? 'extra' : x.count ? 'hit' : 'miss') + '" title="' + (x.declared ? 'declared' : 'not in the document') + '">' +
      x.status + (x.count ? ' × ' + x.count : '') + '</span>').join('') + '</td></tr>').join('');
};
$('cov-gaps').addEventListener('change', () => act(refreshers.coverage));
$('cov-clear').addEventListener('click', () => act(async () => { await api('DELETE', '/coverage'); await refreshers.coverage(); }));

// fillOperations puts the document's operations into the filters and the fault form, once.
function fillOperations(ops) {
  if (operations) return;
  operations = ops.map((o) => o.operationId).sort();
  for (const id of ['f-op', 'fault-op']) {
    const sel = $(id);
    for (const op of operations) { const o = document.createElement('option'); o.value = o.textContent = op; sel.appendChild(o); }
  }
}

// ---------------------------------------------------------------------------------------------
// Start

let started = false;
async function start() {
  try {
    if (!token && document.documentElement.dataset.tokenRequired === 'true') { askToken(); return; }
    const [cov] = await Promise.all([api('GET', '/coverage'), loadJournal()]);
    fillOperations(cov.operations);
    api('GET', '/clock').then(showClock, () => {});
  } catch (e) {
    if (e.status !== 401) toast(e.message, true);
    return;
  }
  // The page is usable: what the browser test measures as its load time.
  performance.mark('inspector-ready');
  document.documentElement.dataset.ready = 'true';
  if (!started) {
    started = true;
    show(location.hash.slice(1) || 'requests');
  } else {
    show(current);
  }
  stream();
}
start();

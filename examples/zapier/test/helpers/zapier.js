'use strict';

// What Zapier does around the app's code, for the tests: the OAuth connection (consent page,
// code, token), the auto-refresh loop, and a polling trigger's deduplication. The app's code runs
// in Zapier's own harness (createAppTester); only the platform's side is played here.

// zapier-platform-core reads NODE_ENV when it is loaded: under "test" its output checks (ids,
// unique primary keys, result shapes) throw instead of logging, as they do under mocha or jest.
process.env.NODE_ENV = 'test';

const crypto = require('node:crypto');
const zapier = require('zapier-platform-core');
const App = require('../../index');
const { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } = require('./mock');

const appTester = zapier.createAppTester(App);

// useMock points the app at a mock: the one setting plus the mock's default OAuth client.
const useMock = (mock) => {
  process.env.BASE_URL = mock.baseUrl;
  process.env.CLIENT_ID = CLIENT_ID;
  process.env.CLIENT_SECRET = CLIENT_SECRET;
  delete process.env.CONSENT_URL;
};

// consent is the user's browser on the consent page: follow the authorize URL and read the
// redirect back to Zapier (the mock plays the user who approves).
const consent = async (authorizeUrl) => {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status < 300 || res.status > 399 || !location) {
    throw new Error(`the consent page did not redirect: ${res.status} ${await res.text()}`);
  }
  return { status: res.status, location: new URL(location) };
};

// connect makes a connection the way Zapier does: authorizeUrl, the consent redirect with a code
// and the state, getAccessToken with the code, then the connection test. It returns the
// connection ({authData, refreshes}) and what each step gave, for the tests to look at.
const connect = async () => {
  const state = crypto.randomBytes(8).toString('hex');
  const authorizeUrl = await appTester(App.authentication.oauth2Config.authorizeUrl, {
    inputData: { response_type: 'code', redirect_uri: REDIRECT_URI, state },
  });
  const redirect = await consent(authorizeUrl);
  const code = redirect.location.searchParams.get('code');
  const authData = await appTester(App.authentication.oauth2Config.getAccessToken, {
    inputData: { code, state: redirect.location.searchParams.get('state'), redirect_uri: REDIRECT_URI },
    authData: {},
  });
  const connection = { authData, refreshes: 0 };
  const test = await appTester(App.authentication.test, { authData });
  return { connection, authorizeUrl, redirect, state, code, test };
};

// run runs one step with a connection, as Zapier does with autoRefresh: when the step raises
// RefreshAuthError (a 401), Zapier calls refreshAccessToken, stores what it returns in the
// connection and runs the step again, once.
const run = async (connection, method, inputData = {}, meta = {}) => {
  const bundle = () => ({ authData: connection.authData, inputData, meta });
  try {
    return await appTester(method, bundle());
  } catch (err) {
    if (err.name !== 'RefreshAuthError') throw err;
  }
  const fresh = await appTester(App.authentication.oauth2Config.refreshAccessToken, bundle());
  connection.authData = { ...connection.authData, ...fresh };
  connection.refreshes++;
  return appTester(method, bundle());
};

const perform = (kind, key) => App[kind][key].operation.perform;
const trigger = (connection, key, inputData, meta) => run(connection, perform('triggers', key), inputData, meta);
const create = (connection, key, inputData) => run(connection, perform('creates', key), inputData);
const search = (connection, key, inputData) => run(connection, perform('searches', key), inputData);

// primaryKeys are the fields Zapier deduplicates a trigger's items on: the output fields marked
// primary, else id.
const primaryKeys = (key) => {
  const marked = (App.triggers[key].operation.outputFields || []).filter((f) => f.primary).map((f) => f.key);
  return marked.length ? marked : ['id'];
};

// Poller plays Zapier's polling of one trigger for one Zap: the first poll (turning the Zap on)
// only fills the deduplication table; each later poll starts the Zap for the items whose key is
// new, oldest first, from the first 100 items of the answer.
class Poller {
  constructor(connection, key, inputData = {}) {
    Object.assign(this, { connection, key, inputData, seen: new Set(), keys: primaryKeys(key) });
  }

  keyOf(item) {
    return JSON.stringify(this.keys.map((k) => item[k]));
  }

  async poll() {
    const items = await trigger(this.connection, this.key, this.inputData);
    const fresh = items.slice(0, 100).filter((item) => !this.seen.has(this.keyOf(item)));
    for (const item of items) this.seen.add(this.keyOf(item));
    return { items, fresh: fresh.reverse() };
  }
}

// failure awaits a promise that must reject, and returns the error with the JSON that core's
// AppError and ThrottledError put in their message parsed into `details`.
const failure = async (promise) => {
  try {
    await promise;
  } catch (err) {
    let details = {};
    try {
      details = JSON.parse(err.message);
    } catch (e) {
      details = { message: err.message };
    }
    return { name: err.name, message: err.message, details };
  }
  throw new Error('expected the step to fail, it succeeded');
};

module.exports = { App, appTester, useMock, consent, connect, run, trigger, create, search, Poller, primaryKeys, failure };

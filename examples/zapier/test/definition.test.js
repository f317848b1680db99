'use strict';

// The app's definition and its one setting, without a mock: the definition is valid for the
// pinned zapier-platform-schema, every URL comes from BASE_URL, and without it the app points at
// the live API.

const { afterEach, describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { App, appTester } = require('./helpers/zapier');
const schema = require('zapier-platform-core/src/tools/schema');
const api = require('../lib/api');

const APP_DIR = path.resolve(__dirname, '..');

describe('the app definition', () => {
  it('is valid for zapier-platform-schema (what `zapier-platform validate` and push check)', () => {
    assert.deepEqual(schema.validateApp(schema.compileApp(App)), []);
    // The validator does refuse a broken definition.
    const broken = { ...App, triggers: { ...App.triggers, new_contact: { ...App.triggers.new_contact, noun: undefined } } };
    assert.notDeepEqual(schema.validateApp(schema.compileApp(broken)), []);
  });

  it('has the triggers, actions and search of the example, and find-or-create', () => {
    assert.deepEqual(Object.keys(App.triggers).sort(), ['new_contact', 'new_task', 'updated_contact']);
    assert.deepEqual(Object.keys(App.creates).sort(), ['add_note', 'add_tags', 'create_task', 'update_contact', 'upsert_contact']);
    assert.deepEqual(Object.keys(App.searches), ['find_contact']);
    assert.equal(App.searchOrCreates.find_contact.create, 'upsert_contact');
    assert.equal(App.authentication.oauth2Config.autoRefresh, true);
  });

  it('writes no URL outside lib/api.js: every one comes from BASE_URL', () => {
    const files = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (['node_modules', 'test'].includes(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.js')) files.push(p);
      }
    };
    walk(APP_DIR);
    assert.ok(files.length >= 8);
    for (const f of files) {
      if (f === path.join(APP_DIR, 'lib', 'api.js')) continue;
      assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /https?:\/\//, path.relative(APP_DIR, f));
    }
  });
});

describe('BASE_URL', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['BASE_URL', 'CONSENT_URL', 'CLIENT_ID']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  const authorize = () =>
    appTester(App.authentication.oauth2Config.authorizeUrl, {
      inputData: { redirect_uri: 'https://zapier.com/dashboard/auth/oauth/return/App1CLIAPI/', state: 's' },
    });

  it('unset: the live API, and the consent page on the marketplace host', async () => {
    delete process.env.BASE_URL;
    delete process.env.CONSENT_URL;
    process.env.CLIENT_ID = 'my-client';
    assert.equal(api.apiUrl('/contacts/search'), 'https://services.leadconnectorhq.com/contacts/search');
    assert.equal(api.tokenUrl(), 'https://services.leadconnectorhq.com/oauth/token');
    const url = new URL(await authorize());
    assert.equal(`${url.origin}${url.pathname}`, 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation');
    assert.equal(url.searchParams.get('client_id'), 'my-client');
  });

  it('set: everything on it (a trailing slash is fine); CONSENT_URL overrides only the consent page', async () => {
    process.env.BASE_URL = 'http://127.0.0.1:8080/';
    assert.equal(api.apiUrl('/contacts/upsert'), 'http://127.0.0.1:8080/contacts/upsert');
    assert.equal(api.tokenUrl(), 'http://127.0.0.1:8080/oauth/token');
    assert.match(await authorize(), /^http:\/\/127\.0\.0\.1:8080\/v2\/oauth\/chooselocation\?/);
    process.env.CONSENT_URL = 'https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation';
    assert.match(await authorize(), /^https:\/\/marketplace\.leadconnectorhq\.com\/v2\/oauth\/chooselocation\?/);
    assert.equal(api.tokenUrl(), 'http://127.0.0.1:8080/oauth/token');
  });
});

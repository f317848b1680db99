'use strict';

// The README's local loop with the pinned CLI: `zapier invoke` runs the app's code on this
// machine against the mock, with the connection in a .env file. (`zapier invoke auth start`, which
// opens a browser on the consent page, is the one step not run here: the test makes the same
// connection with the app's own OAuth code and writes the .env the way auth start does.)

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startMock, CLIENT_ID, CLIENT_SECRET } = require('./helpers/mock');
const { connect, trigger, useMock } = require('./helpers/zapier');

const APP_DIR = path.resolve(__dirname, '..');
const CLI = fs.realpathSync(path.join(APP_DIR, 'node_modules', '.bin', 'zapier'));

// The CLI's environment: no usage analytics sent to Zapier, no update check, and not the test
// runner's NODE_ENV=test (the CLI reads it as being under its own tests).
const cliEnv = () => {
  const env = { ...process.env, DISABLE_ZAPIER_ANALYTICS: '1', NO_UPDATE_NOTIFIER: '1' };
  delete env.NODE_ENV;
  return env;
};

// zapier runs `zapier <args>` in dir; it resolves to {code, stdout, stderr}.
const zapier = (dir, ...args) =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, env: cliEnv(), timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }),
    );
  });

const readEnv = (dir) => {
  const env = {};
  for (const line of fs.readFileSync(path.join(dir, '.env'), 'utf8').split('\n')) {
    const m = line.match(/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1'); // later lines win, as with dotenv
  }
  return env;
};

describe('zapier invoke (the pinned CLI) against the mock', () => {
  let mock;
  let dir;
  let connection;
  before(async () => {
    mock = await startMock(['--contacts', '8']);
    useMock(mock);
    ({ connection } = await connect());
    // The app's files, linked into a directory of its own with its own .env.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contactsmock-zapier-invoke-'));
    for (const name of fs.readdirSync(APP_DIR)) {
      if (name === 'test' || name.startsWith('.')) continue;
      fs.symlinkSync(path.join(APP_DIR, name), path.join(dir, name));
    }
    const a = connection.authData;
    fs.writeFileSync(
      path.join(dir, '.env'),
      [
        `BASE_URL=${mock.baseUrl}`,
        `CLIENT_ID=${CLIENT_ID}`,
        `CLIENT_SECRET=${CLIENT_SECRET}`,
        ...['access_token', 'refresh_token', 'locationId', 'userType'].map((k) => `authData_${k}=${a[k]}`),
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await mock.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('auth label (it runs the connection test, then renders the label)', async () => {
    const label = await zapier(dir, 'invoke', 'auth', 'label');
    assert.equal(label.code, 0, label.stderr);
    assert.equal(label.stdout.trim(), `Sub-account ${connection.authData.locationId}`);
  });

  it('trigger new_contact answers what the app answers, newest first', async () => {
    const res = await zapier(dir, 'invoke', 'trigger', 'new_contact', '--limit', '3');
    assert.equal(res.code, 0, res.stderr);
    const items = JSON.parse(res.stdout);
    const expected = await trigger(connection, 'new_contact', {}, { limit: 3 });
    assert.deepEqual(items.map((c) => c.id), expected.map((c) => c.id));
  });

  it('create add_note with --inputData', async () => {
    const [contact] = await trigger(connection, 'new_contact', {}, { limit: 1 });
    const res = await zapier(dir, 'invoke', 'create', 'add_note', '--non-interactive', '--inputData', JSON.stringify({ contactId: contact.id, body: 'From the CLI' }));
    assert.equal(res.code, 0, res.stderr);
    const note = JSON.parse(res.stdout);
    assert.equal(note.contactId, contact.id);
    assert.equal(note.body, 'From the CLI');
  });

  it('after expiry invoke fails with the 401 (no auto-refresh locally); auth refresh stores new tokens', async () => {
    await mock.admin('POST', '/clock', { advance: '25h' });
    await mock.admin('DELETE', '/requests');
    const stale = await zapier(dir, 'invoke', 'trigger', 'new_contact', '--limit', '1');
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /Executing triggers\.new_contact\.operation\.perform/);
    const [last] = (await mock.admin('GET', '/requests')).requests;
    assert.equal(last.status, 401, 'the mock refused the expired token');

    const before = readEnv(dir);
    const refresh = await zapier(dir, 'invoke', 'auth', 'refresh');
    assert.equal(refresh.code, 0, refresh.stderr);
    const afterRefresh = readEnv(dir);
    assert.notEqual(afterRefresh.authData_access_token, before.authData_access_token);
    assert.notEqual(afterRefresh.authData_refresh_token, before.authData_refresh_token, 'the rotated refresh token is stored');

    const again = await zapier(dir, 'invoke', 'trigger', 'new_contact', '--limit', '1');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).length, 1);
  });
});

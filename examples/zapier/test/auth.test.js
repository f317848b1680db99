'use strict';

// OAuth 2.0 against the mock's authorization server: the consent redirect, the code exchange, the
// connection test and label, and the refresh Zapier runs after the access token expires.

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { startMock, CLIENT_ID, REDIRECT_URI } = require('./helpers/mock');
const { App, appTester, connect, failure, trigger, useMock } = require('./helpers/zapier');

describe('authentication (OAuth 2.0 authorization code with refresh)', () => {
  let mock;
  let locations;
  before(async () => {
    mock = await startMock(['--contacts', '25']);
    useMock(mock);
    locations = (await mock.admin('GET', '/locations')).locations;
  });
  after(() => mock.stop());

  it('connects through the consent redirect: code, token, test call, label', async () => {
    const { connection, authorizeUrl, redirect, state, test } = await connect();

    const url = new URL(authorizeUrl);
    assert.equal(url.origin, mock.baseUrl, 'the consent page is on the base URL');
    assert.equal(url.pathname, '/v2/oauth/chooselocation');
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT_URI);
    assert.equal(url.searchParams.get('scope'), 'contacts.readonly contacts.write');

    assert.equal(`${redirect.location.origin}${redirect.location.pathname}`, REDIRECT_URI);
    assert.equal(redirect.location.searchParams.get('state'), state, 'the state comes back');
    assert.ok(redirect.location.searchParams.get('code'));

    const { authData } = connection;
    assert.ok(authData.access_token && authData.refresh_token);
    assert.notEqual(authData.access_token, authData.refresh_token);
    assert.equal(authData.userType, 'Location');
    assert.equal(authData.locationId, locations[0].id, 'installed on the first location');
    assert.equal(authData.scope, 'contacts.readonly contacts.write');

    assert.equal(test.locationId, locations[0].id);
    assert.equal(test.contacts, 25, 'the test call searched the seeded location');
    assert.match(App.authentication.connectionLabel, /\{\{bundle\.authData\.locationId\}\}/);
  });

  it('refuses a code twice (the mock revokes what the code gave)', async () => {
    const { code } = await connect();
    const err = await failure(
      appTester(App.authentication.oauth2Config.getAccessToken, {
        inputData: { code, redirect_uri: REDIRECT_URI },
        authData: {},
      }),
    );
    assert.equal(err.details.code, 'oauth_failed');
    assert.match(err.details.message, /400 invalid_grant/);
  });

  it('refreshes after the mock clock passes the expiry, stores the rotated refresh token, retries the step', async () => {
    const { connection } = await connect();
    const first = { ...connection.authData };

    // Within the day the token works and nothing is refreshed.
    assert.ok((await trigger(connection, 'new_contact')).length > 0);
    assert.equal(connection.refreshes, 0);

    await mock.admin('POST', '/clock', { advance: '25h' });
    // The expired token is 401 on the API: core raises RefreshAuthError (autoRefresh) ...
    const stale = await failure(
      appTester(App.triggers.new_contact.operation.perform, { authData: first, inputData: {} }),
    );
    assert.equal(stale.name, 'RefreshAuthError');

    // ... and Zapier refreshes and runs the step again.
    const items = await trigger(connection, 'new_contact');
    assert.ok(items.length > 0);
    assert.equal(connection.refreshes, 1);
    assert.notEqual(connection.authData.access_token, first.access_token);
    assert.notEqual(connection.authData.refresh_token, first.refresh_token, 'the refresh token rotated');
    assert.equal(connection.authData.locationId, first.locationId);

    // Another day: the stored (rotated) refresh token is the one that works.
    await mock.admin('POST', '/clock', { advance: '25h' });
    const second = { ...connection.authData };
    assert.ok((await trigger(connection, 'new_contact')).length > 0);
    assert.equal(connection.refreshes, 2);
    assert.notEqual(connection.authData.refresh_token, second.refresh_token);

    // The spent refresh token is refused: the user has to reconnect.
    const spent = await failure(
      appTester(App.authentication.oauth2Config.refreshAccessToken, { authData: first, inputData: {} }),
    );
    assert.equal(spent.name, 'ExpiredAuthError');
    assert.match(spent.message, /reconnect/);
    assert.match(spent.message, /invalid_grant/);
  });

  it('names a wrong client secret instead of asking for a refresh', async () => {
    const { code } = await connect();
    const saved = process.env.CLIENT_SECRET;
    process.env.CLIENT_SECRET = 'not-the-secret';
    try {
      const err = await failure(
        appTester(App.authentication.oauth2Config.getAccessToken, {
          inputData: { code, redirect_uri: REDIRECT_URI },
          authData: {},
        }),
      );
      assert.equal(err.name, 'AppError');
      assert.match(err.details.message, /CLIENT_ID and CLIENT_SECRET/);
    } finally {
      process.env.CLIENT_SECRET = saved;
    }
  });

  it('refuses an agency installation: the token exchange names it, a token without a location fails the test', async () => {
    await mock.admin('PUT', '/oauth/consent', { userType: 'Company' });
    try {
      const err = await failure(connect());
      assert.equal(err.details.code, 'oauth_failed');
      assert.match(err.details.message, /400 invalid_grant: .*user_type Company/);
    } finally {
      await mock.admin('PUT', '/oauth/consent', {});
    }
    const { connection } = await connect();
    const { locationId, ...agencyLike } = connection.authData;
    assert.ok(locationId);
    const err = await failure(appTester(App.authentication.test, { authData: agencyLike }));
    assert.equal(err.details.code, 'no_location');
    assert.match(err.details.message, /sub-account/);
  });
});

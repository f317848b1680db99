'use strict';

// OAuth 2.0 authorization code with refresh, as the Contacts API does it: a consent page that
// redirects back with a code, a form-encoded token endpoint, access tokens of about a day, and
// refresh tokens that rotate (each refresh answers a new refresh token and spends the old one, so
// the new one must be stored: Zapier stores whatever refreshAccessToken returns).

const { SCOPES, apiUrl, consentUrl, locationId, parseBody, apiMessages, tokenUrl } = require('./lib/api');

const clientCredentials = () => ({
  client_id: process.env.CLIENT_ID,
  client_secret: process.env.CLIENT_SECRET,
});

const authorizeUrl = (z, bundle) => {
  const url = new URL(consentUrl());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', process.env.CLIENT_ID || '');
  url.searchParams.set('redirect_uri', bundle.inputData.redirect_uri);
  url.searchParams.set('scope', SCOPES);
  if (bundle.inputData.state) url.searchParams.set('state', bundle.inputData.state);
  return url.toString();
};

// The fields of a token answer the app keeps in authData (userType and locationId are camelCase
// on the wire, the token fields snake_case).
const authDataFrom = (body) => ({
  access_token: body.access_token,
  refresh_token: body.refresh_token,
  expires_in: body.expires_in,
  scope: body.scope,
  userType: body.userType,
  locationId: body.locationId,
  companyId: body.companyId,
  userId: body.userId,
});

// tokenRequest posts the form and returns the body of a 200; failures are thrown by the caller's
// own rule (fail). With autoRefresh on, core turns any 401 into RefreshAuthError before the app
// sees it, also on the token endpoint (a wrong client secret is 401 invalid_client there), so
// that is caught here and read as the failure it is.
const tokenRequest = async (z, form, fail) => {
  let response;
  try {
    response = await z.request({
      url: tokenUrl(),
      method: 'POST',
      form: { ...clientCredentials(), ...form },
      skipThrowForStatus: true,
    });
  } catch (err) {
    if (err.name === 'RefreshAuthError') {
      throw fail('401: the client id or secret was refused (check CLIENT_ID and CLIENT_SECRET)');
    }
    throw err;
  }
  const body = parseBody(response);
  if (response.status !== 200) {
    throw fail(`${response.status} ${body.error || ''}: ${apiMessages(body).join('; ')}`);
  }
  return body;
};

const getAccessToken = async (z, bundle) => {
  const body = await tokenRequest(
    z,
    {
      grant_type: 'authorization_code',
      code: bundle.inputData.code,
      redirect_uri: bundle.inputData.redirect_uri,
      user_type: 'Location',
    },
    (why) => new z.errors.Error(`Could not connect to the Contacts API: ${why}`, 'oauth_failed'),
  );
  // user_type=Location: an installation on the agency (a Company grant) is refused here, and a
  // token without a locationId fails the connection test: contacts routes take location tokens.
  return authDataFrom(body);
};

// refreshAccessToken is what Zapier calls when a request raised RefreshAuthError (a 401 with
// autoRefresh on). It must return the new refresh token too: the old one is spent. A refusal
// means the grant is gone (revoked, or a spent token came back): the user must reconnect.
const refreshAccessToken = async (z, bundle) => {
  const body = await tokenRequest(
    z,
    {
      grant_type: 'refresh_token',
      refresh_token: bundle.authData.refresh_token,
      user_type: bundle.authData.userType || 'Location',
    },
    (why) => new z.errors.ExpiredAuthError(`The connection to the Contacts API has expired, reconnect it (${why})`),
  );
  return authDataFrom(body);
};

// test is the call that proves a connection works: one search in the connection's location
// (contacts.readonly), answering who the connection is.
const test = async (z, bundle) => {
  const response = await z.request({
    url: apiUrl('/contacts/search'),
    method: 'POST',
    body: { locationId: locationId(z, bundle), pageLimit: 1 },
  });
  return {
    locationId: bundle.authData.locationId,
    userId: bundle.authData.userId,
    contacts: response.data.total,
  };
};

module.exports = {
  type: 'oauth2',
  test,
  // A string template (not a function), so the CLI's `invoke auth label` renders it too.
  connectionLabel: 'Sub-account {{bundle.authData.locationId}}',
  fields: [
    { key: 'locationId', type: 'string', required: false, computed: true },
    { key: 'companyId', type: 'string', required: false, computed: true },
    { key: 'userId', type: 'string', required: false, computed: true },
    { key: 'userType', type: 'string', required: false, computed: true },
  ],
  oauth2Config: {
    authorizeUrl,
    getAccessToken,
    refreshAccessToken,
    scope: SCOPES,
    autoRefresh: true,
  },
};

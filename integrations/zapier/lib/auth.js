'use strict';

const { baseUrl, json } = require('./http');

// Session auth against orderhub's Zapier API (seed 003): POST /api/login with the
// user's e-mail and password answers a token (sessionKey) and the vendor's
// integration uuid; GET /api/check tests it. Every request then carries
// Authorization: Bearer <sessionKey>; a 401 makes Zapier log in again
// (RefreshAuthError).

const login = async (z, bundle) => {
  let response;
  try {
    response = await z.request({
      url: `${baseUrl(bundle)}/api/login`,
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: { email: bundle.authData.email, password: bundle.authData.password, integration: 'zapier' },
      skipThrowForStatus: true,
    });
  } catch (e) {
    // Session apps turn every 401 into RefreshAuthError; at login it means the
    // credentials are wrong.
    if (e.name === 'RefreshAuthError') {
      throw new z.errors.Error('The e-mail or password is wrong.', 'AuthenticationError', 401);
    }
    throw e;
  }
  const data = json(z, response).data;
  return { sessionKey: data.token, integration_uuid: data.integration_uuid, expires: String(data.expires) };
};

const test = async (z, bundle) => {
  const response = await z.request({ url: `${baseUrl(bundle)}/api/check`, headers: { Accept: 'application/json' }, skipThrowForStatus: true });
  return json(z, response).data;
};

// Requests to these paths carry their own credentials (or none).
const ownCredentials = (url) => /\/(api\/login|oauth\/token)(\?|$)/.test(url);

const addBearer = (request, z, bundle) => {
  request.headers = request.headers || {};
  if (!request.headers.Authorization && !ownCredentials(request.url) && bundle.authData && bundle.authData.sessionKey) {
    request.headers.Authorization = `Bearer ${bundle.authData.sessionKey}`;
  }
  if (!request.headers.Accept) {
    request.headers.Accept = 'application/json';
  }
  return request;
};

// A 401 from the Zapier API means the session ended: log in again.
const refreshOn401 = (response, z) => {
  if (response.status === 401 && /\/api\/(check|integrations|channels|zapier)/.test(response.request.url)) {
    throw new z.errors.RefreshAuthError('The orderhub session expired; logging in again.');
  }
  return response;
};

const authentication = {
  type: 'session',
  fields: [
    {
      key: 'base_url',
      label: 'orderhub URL',
      required: true,
      type: 'string',
      helpText: 'The address of your orderhub, e.g. `https://orderhub.example.com`.',
    },
    { key: 'email', label: 'E-mail', required: true, type: 'string', helpText: 'Your orderhub Zapier user (`orderhub admin users create`).' },
    { key: 'password', label: 'Password', required: true, type: 'password' },
    {
      key: 'client_id',
      label: 'OAuth Client ID',
      required: false,
      type: 'string',
      helpText: 'Only for the **Create Vendor Order** and **Create External Purchase** actions: an orderhub API client of your vendor (`orderhub admin clients create`).',
    },
    { key: 'client_secret', label: 'OAuth Client Secret', required: false, type: 'password' },
  ],
  test,
  connectionLabel: '{{bundle.inputData.user.email}} ({{bundle.inputData.user.vendor.name}})',
  sessionConfig: { perform: login },
};

module.exports = { authentication, addBearer, refreshOn401, login };

'use strict';

// Request helpers shared by the triggers and creates.

// baseUrl returns the orderhub base URL of the connected account, without a
// trailing slash.
const baseUrl = (bundle) => String(bundle.authData.base_url || '').replace(/\/+$/, '');

// json returns a response's JSON body after checking its status: orderhub's error
// body {error, message, field} becomes a Zapier error naming the field.
const json = (z, response) => {
  if (response.status >= 400) {
    let body = {};
    try {
      body = JSON.parse(response.content);
    } catch (e) {
      body = { message: response.content };
    }
    const where = body.field ? ` (${body.field})` : '';
    throw new z.errors.Error(`${body.message || 'orderhub answered ' + response.status}${where}`, body.error || 'OrderhubError', response.status);
  }
  return response.data !== undefined ? response.data : JSON.parse(response.content);
};

// Seed 001 and seed 000 calls need an OAuth access token (client credentials):
// the account's optional client id and secret fields.
const oauthToken = async (z, bundle, scope) => {
  const { client_id: clientId, client_secret: clientSecret } = bundle.authData;
  if (!clientId || !clientSecret) {
    throw new z.errors.Error(
      'This action calls orderhub with an OAuth client: reconnect the account with its Client ID and Client Secret (orderhub admin clients create).',
      'MissingClientCredentials',
      400,
    );
  }
  const response = await z.request({
    url: `${baseUrl(bundle)}/oauth/token`,
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope },
    skipThrowForStatus: true,
  });
  if (response.status !== 200) {
    let body = {};
    try {
      body = JSON.parse(response.content);
    } catch (e) {
      // not JSON
    }
    throw new z.errors.Error(`orderhub refused the client credentials: ${body.error_description || response.status}`, body.error || 'OAuthError', response.status);
  }
  return response.data.access_token;
};

module.exports = { baseUrl, json, oauthToken };

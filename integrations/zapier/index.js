'use strict';

// The orderhub Zapier app (seed 003's API, plus seeds 000 and 001 as actions).
const { version } = require('./package.json');
const { version: platformVersion } = require('zapier-platform-core');

const { authentication, addBearer, refreshOn401 } = require('./lib/auth');
const { triggers } = require('./lib/triggers');
const { creates } = require('./lib/creates');

module.exports = {
  version,
  platformVersion,
  authentication,
  beforeRequest: [addBearer],
  afterResponse: [refreshOn401],
  triggers,
  creates,
};

const config = require('../config/index');
const { createSession } = require('../utils/session');
const { createRequest } = require('../utils/request');
const { createAuthService } = require('./auth');
const { createPairingService } = require('./pairing');
const { createBasePhotoService } = require('./base-photo');

// Wire the services once per page. Pass a fake `wx` in tests; on the phone the global is used.
// loginGate: the failed-login backoff; by default one per wx object (the whole mini program),
// or a test's own (createLoginGate from services/auth.js, e.g. with a fake clock).
function createServices({ wx, baseUrl = config.apiBaseUrl, loginGate } = {}) {
  const session = createSession(wx);
  const request = createRequest({ wx, baseUrl, session });
  const deps = { wx, request, session, baseUrl };
  return {
    wx,
    session,
    request,
    auth: createAuthService(loginGate ? { ...deps, loginGate } : deps),
    pairing: createPairingService(deps),
    basePhoto: createBasePhotoService(deps),
  };
}

module.exports = { createServices };

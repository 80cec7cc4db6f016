const config = require('../config/index');
const { resolveWx } = require('../utils/wx');
const { createUploadQueue } = require('../utils/upload-queue');
const { createPhotoQueue } = require('../utils/photo-queue');
const { joinUrl } = require('../utils/request');

// An in-memory upload queue that sends the stored bearer token of `kind` and forgets it on a 401,
// mirroring utils/request.js for multipart uploads (ID photos, second-camera snapshots: nothing
// there is worth keeping across a restart).
function createAuthedQueue({ wx: injectedWx, session, kind, ...queueOptions }) {
  return createUploadQueue({
    uploadFile: (opts) => resolveWx(injectedWx).uploadFile(opts),
    concurrency: config.uploadConcurrency,
    maxRetries: config.uploadMaxRetries,
    timeout: config.uploadTimeoutMs,
    ...queueOptions,
    getHeader() {
      const token = session.getToken(kind);
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    onError(err, item) {
      if (err.status === 401) session.clearToken(kind);
      if (queueOptions.onError) queueOptions.onError(err, item);
    },
  });
}

// The app-wide, persistent answer-photo queue (utils/photo-queue.js), over the phone session:
// a 401 logs the phone in again once (services.auth.ensurePhoneLogin) and the photo goes again.
function createAnswerPhotoQueue({ wx: injectedWx, services, baseUrl = config.apiBaseUrl, ...options }) {
  const wxApi = resolveWx(injectedWx);
  const { session, auth } = services;
  return createPhotoQueue({
    wx: wxApi,
    uploadUrl: (pairingId) => joinUrl(baseUrl, `/api/v1/pairings/${encodeURIComponent(pairingId)}/photos`),
    getToken: () => session.getToken('phone'),
    relogin: () => auth.ensurePhoneLogin({ force: true }),
    ...options,
  });
}

// The running app's one queue: app.js makes it in onLaunch (getApp().uploads). A page opened
// without it (an App that has not launched it, a test) gets one made here, once, and shared.
let fallbackQueue = null;
function appPhotoQueue({ wx: injectedWx, services }) {
  const app = typeof getApp === 'function' ? getApp() : null;
  if (app && app.uploads) return app.uploads;
  if (!fallbackQueue) fallbackQueue = createAnswerPhotoQueue({ wx: injectedWx, services }).start();
  if (app) app.uploads = fallbackQueue;
  return fallbackQueue;
}

module.exports = { createAuthedQueue, createAnswerPhotoQueue, appPhotoQueue };

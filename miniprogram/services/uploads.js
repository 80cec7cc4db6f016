const config = require('../config/index');
const { resolveWx } = require('../utils/wx');
const { createUploadQueue } = require('../utils/upload-queue');

// An upload queue that sends the stored bearer token of `kind` and forgets it on a 401,
// mirroring utils/request.js for multipart uploads.
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

module.exports = { createAuthedQueue };

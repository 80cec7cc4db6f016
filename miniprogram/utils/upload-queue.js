// Upload queue over wx.uploadFile. Pure JS: the uploader (wx.uploadFile or a fake) is injected,
// so nothing here touches the wx global.
//
// Why it exists:
//  - wx.uploadFile's `success` fires for every HTTP status, so the status code decides the outcome.
//  - Network failures, 5xx and 429 are retried with backoff; other 4xx are final (the server's
//    Chinese message is shown: too large, unsupported image, pairing expired or used...).
//  - Each item keeps one client-generated upload_id across retries, so the server can drop
//    duplicates when a "failed" attempt had in fact arrived.

const { fromResponse, networkError, parseBody } = require('./errors');

const STATUS = {
  QUEUED: 'queued',
  UPLOADING: 'uploading',
  RETRYING: 'retrying', // waiting for the backoff timer
  DONE: 'done',
  FAILED: 'failed',
};

function isRetryable(err) {
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

// Whether offering a manual retry makes sense: not for a photo the server refused on its merits
// (too large, unsupported) or a pairing that is gone; yes after a login expiry or an outage.
function isWorthRetrying(err) {
  if (!err) return true;
  return isRetryable(err) || err.status === 401 || err.status === 408;
}

function defaultUploadId() {
  // RFC 4122 v4 layout; Math.random is enough for an idempotency key scoped to one pairing.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.floor(Math.random() * 16);
    return (c === 'x' ? r : (r % 4) + 8).toString(16);
  });
}

function defaultBackoff(attempt) {
  // 1 s, 2 s, 4 s ... capped at 30 s, with jitter so many phones do not retry in lockstep.
  return Math.min(30000, 1000 * 2 ** (attempt - 1)) + Math.floor(Math.random() * 300);
}

function createUploadQueue(options = {}) {
  const {
    uploadFile, // (opts) => UploadTask, same contract as wx.uploadFile
    concurrency = 3,
    maxRetries = 3,
    timeout = 60000,
    backoff = defaultBackoff,
    makeUploadId = defaultUploadId,
    schedule = (fn, ms) => setTimeout(fn, ms),
    cancelSchedule = (handle) => clearTimeout(handle),
    getHeader = () => ({}),
    onChange = () => {},
    onError = () => {}, // (error, item): e.g. clear the stored token on a 401
  } = options;
  if (typeof uploadFile !== 'function') throw new Error('uploadFile is required');
  // WeChat refuses more than 10 concurrent uploadFile tasks.
  const limit = Math.max(1, Math.min(10, concurrency));

  const items = [];
  const pending = [];
  const waiters = {};
  const timers = {};
  let active = 0;
  let paused = false;
  let seq = 0;

  function view(item) {
    return {
      id: item.id,
      uploadId: item.uploadId,
      filePath: item.filePath,
      thumb: item.thumb,
      status: item.status,
      progress: item.progress,
      attempts: item.attempts,
      error: item.error ? item.error.toJSON() : null,
      result: item.result,
      canRetry: item.status === STATUS.FAILED && isWorthRetrying(item.error),
      meta: item.meta,
    };
  }

  function emit(item) {
    onChange(items.map(view), view(item));
  }

  function settle(item) {
    const list = waiters[item.id] || [];
    delete waiters[item.id];
    list.forEach((resolve) => resolve(view(item)));
  }

  function pump() {
    while (!paused && active < limit && pending.length) {
      start(pending.shift());
    }
  }

  function start(item) {
    active += 1;
    item.status = STATUS.UPLOADING;
    item.progress = 0;
    item.attempts += 1;
    emit(item);

    let finished = false;
    const finish = (err, body) => {
      if (finished) return; // guard against a fake or buggy task calling back twice
      finished = true;
      active -= 1;
      if (!err) {
        item.status = STATUS.DONE;
        item.progress = 100;
        item.error = null;
        item.result = body;
        emit(item);
        settle(item);
      } else {
        item.error = err;
        onError(err, view(item));
        if (isRetryable(err) && item.attempts <= maxRetries) {
          item.status = STATUS.RETRYING;
          emit(item);
          // Free the slot during the backoff so other photos keep going.
          timers[item.id] = schedule(() => {
            delete timers[item.id];
            item.status = STATUS.QUEUED;
            pending.unshift(item);
            emit(item);
            pump();
          }, backoff(item.attempts));
        } else {
          item.status = STATUS.FAILED;
          emit(item);
          settle(item);
        }
      }
      pump();
    };

    let task;
    try {
      task = uploadFile({
        url: item.url,
        filePath: item.filePath,
        name: 'file',
        formData: { ...item.formData, upload_id: item.uploadId },
        header: { ...getHeader(item), ...item.header },
        timeout,
        success(res) {
          const status = res && res.statusCode;
          if (status >= 200 && status < 300) finish(null, parseBody(res.data));
          else finish(fromResponse(status, res && res.data));
        },
        fail(res) {
          finish(networkError(res && res.errMsg));
        },
      });
    } catch (e) {
      finish(networkError(e && e.message));
      return;
    }
    if (task && typeof task.onProgressUpdate === 'function') {
      task.onProgressUpdate((res) => {
        if (finished) return;
        const progress = Math.max(0, Math.min(100, Math.round(res.progress || 0)));
        if (progress !== item.progress) {
          item.progress = progress;
          emit(item);
        }
      });
    }
  }

  function find(id) {
    return items.find((it) => it.id === id);
  }

  return {
    add({ filePath, url, formData = {}, header = {}, thumb, meta } = {}) {
      if (!filePath || !url) throw new Error('filePath and url are required');
      seq += 1;
      const item = {
        id: `u${seq}`,
        uploadId: makeUploadId(),
        filePath,
        thumb: thumb || filePath,
        url,
        formData,
        header,
        meta: meta || null,
        status: STATUS.QUEUED,
        progress: 0,
        attempts: 0,
        error: null,
        result: null,
      };
      items.push(item);
      pending.push(item);
      emit(item);
      pump();
      return view(item);
    },

    // A manual retry after a final failure; keeps the same upload_id.
    retry(id) {
      const item = find(id);
      if (!item || item.status !== STATUS.FAILED) return false;
      item.status = STATUS.QUEUED;
      item.attempts = 0;
      item.error = null;
      item.progress = 0;
      pending.push(item);
      emit(item);
      pump();
      return true;
    },

    // Resolves with the item's view once it is done or failed.
    wait(id) {
      const item = find(id);
      if (!item) return Promise.reject(new Error(`unknown upload ${id}`));
      if (item.status === STATUS.DONE || item.status === STATUS.FAILED) return Promise.resolve(view(item));
      return new Promise((resolve) => {
        (waiters[id] = waiters[id] || []).push(resolve);
      });
    },

    // Stop starting new uploads (running ones finish); used when the page is hidden.
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      pump();
    },

    // Page unload: cancel backoff timers and drop what has not started; those items end as failed.
    dispose() {
      paused = true;
      const dropped = pending.splice(0, pending.length);
      Object.keys(timers).forEach((id) => {
        cancelSchedule(timers[id]);
        delete timers[id];
        dropped.push(find(id));
      });
      dropped.forEach((item) => {
        item.status = STATUS.FAILED;
        settle(item);
      });
    },

    list() {
      return items.map(view);
    },

    get activeCount() {
      return active;
    },
  };
}

module.exports = { createUploadQueue, defaultBackoff };

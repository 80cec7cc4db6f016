// The app-wide, persistent queue of answer photos (issue 15, FAQ 21). app.js creates it once;
// the upload page only shows and steers its pairing's items. Each photo is compressed, copied into
// the app's own storage and recorded before it is sent, so a re-scan (reLaunch), a page change or
// WeChat killing the app loses nothing: start() (app launch) and resume() (app show) pick up what
// is left, and so does the network coming back. Pure JS over an injected `wx` (tests use a fake).

const { fromResponse, networkError, parseBody } = require('./errors');
const { compressForUpload } = require('./compress');
const { createUploadStore } = require('./upload-store');
const policy = require('./upload-policy');
const {
  STATUS: S, ACTIVE, READ_FAILED, uuid, plainError, newItem, toView, isStale,
} = require('./photo-items');

function createPhotoQueue(options) {
  const {
    wx: wxApi,
    uploadUrl, // (pairingId) => absolute URL of POST /api/v1/pairings/{id}/photos
    getToken = () => null, // the phone session's bearer token
    relogin = () => Promise.reject(new Error('no relogin')), // a fresh phone login (forced)
    store = createUploadStore({ wx: wxApi }),
    compress = (src) => compressForUpload(wxApi, src),
    concurrency = policy.CONCURRENCY,
    maxAutoRetries = 6,
    backoff = policy.defaultBackoff,
    timeoutFor = policy.timeoutFor,
    schedule = (fn, ms) => setTimeout(fn, ms),
    cancelSchedule = (h) => clearTimeout(h),
    now = () => Date.now(),
    makeUploadId = () => uuid(),
  } = options || {};

  let items = [];
  const timers = {};
  const tasks = {};
  const progress = {};
  const listeners = [];
  let active = 0;
  let paused = false;
  let online = true;
  let started = false;
  let reloginInflight = null;
  let networkHandler = null;

  const find = (id) => items.find((it) => it.id === id);
  const persist = () => store.save(items.filter((it) => it.status !== S.PREPARING));

  const view = (it) => toView(it, progress[it.id]);

  function list(pairingId) {
    return items.filter((it) => pairingId === undefined || it.pairingId === pairingId).map(view);
  }

  function emit() {
    listeners.slice().forEach((l) => l.fn(list(l.pairingId)));
  }

  function changed() {
    persist();
    emit();
  }

  function pump() {
    if (paused || !online) return;
    while (active < concurrency) {
      const next = items.find((it) => it.status === S.QUEUED);
      if (!next) return;
      send(next);
    }
  }

  function clearTimer(id) {
    if (timers[id] === undefined) return;
    cancelSchedule(timers[id]);
    delete timers[id];
  }

  function requeue(it) {
    clearTimer(it.id);
    it.status = S.QUEUED;
  }

  function fail(it, error) {
    it.status = S.FAILED;
    it.error = error;
    progress[it.id] = 0;
  }

  // The pairing is over: none of its photos can be accepted any more.
  function endPairing(pairingId, error) {
    items.forEach((it) => {
      if (it.pairingId === pairingId && ACTIVE.includes(it.status) && it.status !== S.UPLOADING) {
        clearTimer(it.id);
        fail(it, error);
      }
    });
  }

  function relogOnce() {
    if (!reloginInflight) {
      reloginInflight = Promise.resolve().then(relogin);
      const clear = () => {
        reloginInflight = null;
      };
      reloginInflight.then(clear, clear);
    }
    return reloginInflight;
  }

  // Back in line after `ms`, unless deleted, woken or given up meanwhile.
  function retryLater(it, ms) {
    timers[it.id] = schedule(() => {
      delete timers[it.id];
      if (find(it.id) !== it || it.status !== S.RETRYING) return;
      it.status = S.QUEUED;
      changed();
      pump();
    }, ms);
  }

  function afterFailure(it, err) {
    const error = plainError(err);
    it.error = error;
    const kind = policy.classify(error);
    if (kind === 'retry') {
      it.tries = (it.tries || 0) + 1;
      if (!online) {
        it.status = S.WAITING; // the network listener wakes it
      } else if (it.tries > maxAutoRetries) {
        fail(it, error); // 重试 / 全部重试 or the network coming back sends it again
      } else {
        it.status = S.RETRYING;
        const delay = policy.retryDelay(error, it.tries, backoff);
        // A rate limit's wait is kept even when the app comes back or the network returns.
        it.notBefore = error.status === 429 ? now() + delay : 0;
        retryLater(it, delay);
      }
    } else if (kind === 'relogin') {
      const token = getToken();
      if (token && token !== it.sentToken) {
        it.relogged = true; // another upload already logged in again: that was this one's chance
        it.status = S.QUEUED;
      } else if (it.relogged) {
        fail(it, error);
      } else {
        it.relogged = true;
        it.status = S.RETRYING;
        relogOnce().then(
          () => {
            if (find(it.id) !== it || it.status !== S.RETRYING) return;
            it.status = S.QUEUED;
            changed();
            pump();
          },
          (loginErr) => {
            if (find(it.id) !== it || it.status !== S.RETRYING) return;
            // Still a 401 (worth a manual retry), told in the login's own words.
            const message = (loginErr && loginErr.code && loginErr.message) || error.message;
            it.error = { ...error, message };
            const wait = loginErr && loginErr.retryAfterMs;
            if (wait > 0) {
              // Logins are backing off (services/auth.js says when): try again then, once more.
              it.relogged = false;
              retryLater(it, wait);
            } else {
              fail(it, it.error);
            }
            changed();
          },
        );
      }
    } else {
      fail(it, error);
      if (kind === 'pairing') endPairing(it.pairingId, error);
    }
  }

  function finishOk(it) {
    it.status = S.DONE;
    it.error = null;
    it.doneAt = now();
    progress[it.id] = 100;
    const kept = it.filePath;
    it.filePath = ''; // the server has it (202): the phone's copy goes
    store.remove(kept);
  }

  function send(it) {
    active += 1;
    it.status = S.UPLOADING;
    it.attempts = (it.attempts || 0) + 1;
    it.sentToken = getToken();
    progress[it.id] = 0;
    changed();

    let finished = false;
    const finish = (err) => {
      if (finished) return;
      finished = true;
      active -= 1;
      delete tasks[it.id];
      if (find(it.id) === it) {
        if (err) afterFailure(it, err);
        else finishOk(it);
        changed();
      }
      pump();
    };
    try {
      tasks[it.id] = wxApi.uploadFile({
        url: uploadUrl(it.pairingId),
        filePath: it.filePath,
        name: 'file',
        // The same upload_id on every attempt, across restarts: the server keeps one photo.
        formData: { upload_id: it.uploadId },
        header: it.sentToken ? { Authorization: `Bearer ${it.sentToken}` } : {},
        timeout: timeoutFor(it.size),
        success(res) {
          const status = res && res.statusCode;
          if (status >= 200 && status < 300) {
            it.result = parseBody(res.data);
            finish(null);
          } else {
            finish(fromResponse(status, res && res.data));
          }
        },
        fail(res) {
          finish(networkError(res && res.errMsg));
        },
      });
    } catch (e) {
      finish(networkError(e && e.message));
      return;
    }
    const task = tasks[it.id];
    if (task && typeof task.onProgressUpdate === 'function') {
      task.onProgressUpdate((res) => {
        if (finished) return;
        const p = Math.max(0, Math.min(99, Math.round((res && res.progress) || 0)));
        if (p !== progress[it.id]) {
          progress[it.id] = p;
          emit();
        }
      });
    }
  }

  // Everything that may succeed now goes again: waiting, backing off, or failed for a reason
  // that can pass (network, server, login). Final refusals stay as they are.
  function wake() {
    let woke = false;
    items.forEach((it) => {
      const again = it.status === S.WAITING || it.status === S.RETRYING
        || (it.status === S.FAILED && it.filePath && policy.classify(it.error) === 'retry');
      const held = it.status === S.RETRYING && ((it.relogged && reloginInflight) || it.notBefore > now());
      if (again && !held) {
        requeue(it);
        it.tries = 0;
        woke = true;
      }
    });
    if (woke) changed();
    pump();
  }

  function setOnline(isConnected) {
    const was = online;
    online = !!isConnected;
    if (online && !was) wake();
  }

  function watchNetwork() {
    if (typeof wxApi.onNetworkStatusChange === 'function' && !networkHandler) {
      networkHandler = (res) => setOnline(res && res.isConnected);
      wxApi.onNetworkStatusChange(networkHandler);
    }
    if (typeof wxApi.getNetworkType === 'function') {
      wxApi.getNetworkType({
        success: (res) => setOnline(!(res && res.networkType === 'none')),
      });
    }
  }

  return {
    // App launch: read what an earlier run left; an upload cut off by the kill is sent again.
    start() {
      if (started) return this;
      started = true;
      const records = store.load();
      records.filter((r) => isStale(r, now())).forEach((r) => store.remove(r.filePath));
      items = records.filter((r) => !isStale(r, now())).map((r) => ({
        ...r,
        status: ACTIVE.includes(r.status) ? S.QUEUED : r.status,
      }));
      store.sweep(items.map((it) => it.filePath).filter(Boolean));
      persist();
      watchNetwork();
      emit();
      pump();
      return this;
    },

    // Compress, keep and record each chosen photo ([{filePath, thumb}]), then upload it.
    async add(pairingId, files, { question = '' } = {}) {
      const added = (files || []).map((f) => {
        const it = newItem({
          uploadId: makeUploadId(), pairingId, question, thumb: f.thumb || f.filePath, createdAt: now(),
        });
        items.push(it);
        return { it, src: f.filePath };
      });
      emit();
      // One at a time: compressing nine 12 MP photos at once can run a phone out of memory.
      for (const { it, src } of added) {
        try {
          const small = await compress(src);
          it.compressed = !!small.compressed;
          it.filePath = await store.keep(small.filePath, it.uploadId);
          it.size = await store.sizeOf(it.filePath);
          if (find(it.id) === it) it.status = S.QUEUED;
        } catch {
          fail(it, { ...READ_FAILED });
        }
        if (find(it.id) !== it) store.remove(it.filePath);
        changed();
        pump();
      }
      return added.map(({ it }) => view(it));
    },

    retry(id) {
      const it = find(id);
      if (!it || it.status !== S.FAILED || !policy.canRetryAfter(it.error) || !it.filePath) return false;
      requeue(it);
      it.tries = 0;
      it.relogged = false;
      changed();
      pump();
      return true;
    },

    // 全部重试: every failed photo of the pairing that can still be accepted.
    retryAll(pairingId) {
      const ids = items.filter((it) => it.pairingId === String(pairingId)).map((it) => it.id);
      return ids.filter((id) => this.retry(id)).length;
    },

    // 删除: the candidate gives up on a photo; its copy on the phone goes too.
    remove(id) {
      const it = find(id);
      if (!it || it.status === S.UPLOADING) return false;
      clearTimer(id);
      items = items.filter((x) => x !== it);
      delete progress[id];
      store.remove(it.filePath);
      changed();
      return true;
    },

    // App hide: nothing new starts (WeChat cuts the network about 5 s after the app is hidden).
    pause() {
      paused = true;
    },
    // App show: go again, including what waited for a backoff or failed on the network.
    resume() {
      paused = false;
      if (started) wake();
    },

    subscribe(pairingId, fn) {
      const l = { pairingId: pairingId === undefined ? undefined : String(pairingId), fn };
      listeners.push(l);
      fn(list(l.pairingId));
      return () => {
        const i = listeners.indexOf(l);
        if (i >= 0) listeners.splice(i, 1);
      };
    },

    list: (pairingId) => list(pairingId === undefined ? undefined : String(pairingId)),

    // Tests and a logout: timers and the network listener go, the records stay.
    stop() {
      Object.keys(timers).forEach(clearTimer);
      if (networkHandler && typeof wxApi.offNetworkStatusChange === 'function') {
        wxApi.offNetworkStatusChange(networkHandler);
      }
      networkHandler = null;
      paused = true;
    },

    get activeCount() {
      return active;
    },
    get online() {
      return online;
    },
  };
}

module.exports = { createPhotoQueue, STATUS: S };

// Sends second-camera snapshots newest-first: at most one upload in flight, and while it is
// out only the newest snapshot waits (an older unsent one is dropped; the proctor wants now,
// not a backlog). No retries either: the next snapshot, seconds later, is worth more.
const config = require('../../../config/index');
const { fromResponse, networkError, parseBody } = require('../../../utils/errors');

// Answers after which no later snapshot can succeed (POST /api/v1/pairings/{id}/snapshots):
// 404 PAIRING_NOT_FOUND, 410 PAIRING_ENDED, 409 ATTEMPT_SUBMITTED / PAIRING_WRONG_PURPOSE, 403.
const FINAL_STATUSES = [403, 404, 409, 410];

function headerValue(header, name) {
  if (!header) return undefined;
  const key = Object.keys(header).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? header[key] : undefined;
}

// Seconds a 429 asks us to wait: the body's retry_after, else the Retry-After header, else 30.
function retryAfterSeconds(err, res) {
  const fromBody = err.details && Number(err.details.retry_after);
  if (fromBody > 0) return fromBody;
  const fromHeader = Number(headerValue(res && res.header, 'Retry-After'));
  return fromHeader > 0 ? fromHeader : 30;
}

function createSnapshotSender({
  uploadFile, // (opts) => UploadTask, the wx.uploadFile contract
  url,
  getHeader = () => ({}),
  now = () => Date.now(),
  onSent = () => {},
  onError = () => {}, // (error) a snapshot was lost; later ones are still tried
  onFinal = () => {}, // (error) nothing more can be sent: stop
  onUnauthorized = () => {}, // (error) the token was refused: forget it, log in again
}) {
  let inFlight = false;
  let waiting = null;
  let holdUntil = 0;
  let closed = false;
  const counts = { sent: 0, dropped: 0, failed: 0 };

  function settle(err, res) {
    if (!err) {
      counts.sent += 1;
      onSent(counts);
      return;
    }
    counts.failed += 1;
    if (FINAL_STATUSES.includes(err.status)) {
      closed = true;
      if (waiting) counts.dropped += 1;
      waiting = null;
      onFinal(err);
      return;
    }
    if (err.status === 401) onUnauthorized(err);
    if (err.status === 429) {
      holdUntil = now() + retryAfterSeconds(err, res) * 1000;
      if (waiting) counts.dropped += 1;
      waiting = null;
    }
    onError(err);
  }

  function send(filePath) {
    inFlight = true;
    uploadFile({
      url,
      filePath,
      name: 'file',
      header: getHeader(),
      timeout: config.uploadTimeoutMs,
      success(res) {
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        done(ok ? null : fromResponse(res.statusCode, parseBody(res.data)), res);
      },
      fail(res) {
        done(networkError(res && res.errMsg), res);
      },
    });
  }

  function done(err, res) {
    inFlight = false;
    if (closed) return;
    settle(err, res);
    if (waiting && !closed) {
      const next = waiting;
      waiting = null;
      send(next);
    }
  }

  return {
    // Hands over the newest snapshot. Returns false when it was not kept (closed, rate-limited).
    offer(filePath) {
      if (closed) return false;
      if (now() < holdUntil) {
        counts.dropped += 1;
        return false;
      }
      if (inFlight) {
        if (waiting) counts.dropped += 1;
        waiting = filePath;
        return true;
      }
      send(filePath);
      return true;
    },
    // ms left of a 429's wait (0: none).
    holdMs: () => Math.max(0, holdUntil - now()),
    close() {
      closed = true;
      waiting = null;
    },
    counts: () => ({ ...counts }),
  };
}

module.exports = { createSnapshotSender, FINAL_STATUSES };

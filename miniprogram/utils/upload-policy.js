// What the answer-photo queue does after a failed attempt, and how long it gives one attempt.
// Error codes are the ones POST /api/v1/pairings/{id}/photos really answers with.

// The pairing itself is gone: no photo of it can ever be accepted, so every queued photo of that
// pairing ends with the server's message (re-scan the code on the PC to go on).
const PAIRING_FINAL = {
  PAIRING_NOT_FOUND: true, // 404
  PAIRING_ENDED: true, // 410
  ATTEMPT_SUBMITTED: true, // 409
  PAIRING_WRONG_PURPOSE: true, // 409
};

// 'retry'   network failure / timeout, 5xx, 429: the same upload can succeed later
// 'relogin' 401: the phone session expired; log in again once, then retry
// 'pairing' the pairing ended, the attempt was handed in...: final for the whole pairing
// 'final'   this photo was refused on its merits (400/413/415/422): final, the server says why
function classify(error) {
  if (!error) return 'retry';
  const { status } = error;
  if (status === 0 || status === undefined || status >= 500 || status === 429) return 'retry';
  if (status === 401) return 'relogin';
  if (PAIRING_FINAL[error.code]) return 'pairing';
  return 'final';
}

// Whether this error means the pairing is over (the page stops offering uploads).
function endsPairing(error) {
  return !!error && classify(error) === 'pairing';
}

// Whether a failed photo can be sent again by hand (重试 / 全部重试).
function canRetryAfter(error) {
  const kind = classify(error);
  return kind === 'retry' || kind === 'relogin';
}

// 2 s, 4 s, 8 s ... capped at 60 s, with up to 50 % random jitter so the phones of a whole exam
// room do not come back in lockstep after the school's Wi-Fi or the server recovers.
function defaultBackoff(tries, random = Math.random) {
  const base = Math.min(60000, 2000 * 2 ** Math.max(0, tries - 1));
  return base + Math.floor(random() * base * 0.5);
}

// 429 UPLOAD_RATE_LIMITED says when the next upload is accepted (`retry_after` seconds in the
// body, also the Retry-After header); earlier would only be refused again.
function retryDelay(error, tries, backoff = defaultBackoff) {
  const details = (error && error.details) || {};
  const seconds = Number(details.retry_after || (error && error.retryAfter));
  if (error && error.status === 429 && seconds > 0) return seconds * 1000 + Math.floor(Math.random() * 1000);
  return backoff(tries);
}

// Two uploads at a time, with a timeout sized to the file. Why: weak 4G gives a phone roughly
// 0.5 Mbit/s upstream, shared by every parallel upload; with three 1 MB photos at once each got
// ~0.17 Mbit/s and needed ~50 s, too close to a fixed 60 s limit, while two at a time still keep
// the link busy between requests. The timeout allows 16 KB/s per upload (each of two uploads on a
// 256 kbit/s link) plus 15 s to connect: ~80 s for 1 MB, ~47 s for a typical 500 KB compressed
// photo; an uncompressed original (compression failed) gets up to 3 minutes, not less.
const CONCURRENCY = 2;
const MIN_TIMEOUT_MS = 30000;
const MAX_TIMEOUT_MS = 180000;
function timeoutFor(bytes) {
  const size = bytes > 0 ? bytes : 1024 * 1024;
  return Math.max(MIN_TIMEOUT_MS, Math.min(MAX_TIMEOUT_MS, 15000 + Math.ceil(size / 16384) * 1000));
}

module.exports = { classify, endsPairing, canRetryAfter, defaultBackoff, retryDelay, timeoutFor, CONCURRENCY };

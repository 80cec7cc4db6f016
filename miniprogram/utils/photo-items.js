// The answer-photo queue's items: their statuses, the record a new photo starts as, what a page
// is shown of one, and which old records a launch drops. No wx here.
const policy = require('./upload-policy');

const STATUS = {
  PREPARING: 'preparing', // being compressed and copied (not yet recorded)
  QUEUED: 'queued',
  UPLOADING: 'uploading',
  RETRYING: 'retrying', // waiting for its backoff timer (or a fresh login)
  WAITING: 'waiting', // offline: waiting for the network
  DONE: 'done',
  FAILED: 'failed',
};
// Not finished: after an app kill these are sent again.
const ACTIVE = [STATUS.QUEUED, STATUS.UPLOADING, STATUS.RETRYING, STATUS.WAITING];
const DAY = 24 * 3600 * 1000;

// The chosen file could not be read or copied: nothing to send, ever (status -1: not HTTP).
const READ_FAILED = {
  code: 'PHOTO_READ_FAILED', message: '无法读取这张照片，请删除后重新选择', faq: 21, status: -1,
};

function uuid(random = Math.random) {
  // RFC 4122 v4 layout; Math.random is enough for an idempotency key scoped to one pairing.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.floor(random() * 16);
    return (c === 'x' ? r : (r % 4) + 8).toString(16);
  });
}

// ApiError (or anything with code/message) → what storage can hold.
function plainError(err) {
  if (!err) return null;
  const out = { code: err.code, message: err.message, faq: err.faq === undefined ? null : err.faq, status: err.status };
  if (err.details) out.details = err.details;
  return out;
}

function newItem({ uploadId, pairingId, question, thumb, createdAt }) {
  return {
    id: uploadId,
    uploadId,
    pairingId: String(pairingId),
    question: String(question || ''),
    filePath: '',
    thumb: thumb || '',
    size: 0,
    compressed: false,
    status: STATUS.PREPARING,
    attempts: 0,
    error: null,
    createdAt,
    doneAt: 0,
  };
}

function toView(it, progress) {
  const error = it.error || null;
  return {
    id: it.id,
    uploadId: it.uploadId,
    pairingId: it.pairingId,
    question: it.question,
    thumb: it.filePath || it.thumb || '',
    status: it.status,
    progress: it.status === STATUS.DONE ? 100 : progress || 0,
    attempts: it.attempts,
    compressed: !!it.compressed,
    error,
    canRetry: it.status === STATUS.FAILED && !!it.filePath && policy.canRetryAfter(error),
    canDelete: it.status !== STATUS.UPLOADING && it.status !== STATUS.PREPARING,
  };
}

// Old records go at launch: done ones after a day (the desktop shows them), final failures after
// three days (the candidate did not come back to delete them). Unfinished ones always stay.
function isStale(record, now) {
  if (record.status === STATUS.DONE) return now - (record.doneAt || 0) >= DAY;
  if (record.status === STATUS.FAILED && !policy.canRetryAfter(record.error)) {
    return now - (record.createdAt || 0) >= 3 * DAY;
  }
  return false;
}

module.exports = { STATUS, ACTIVE, READ_FAILED, uuid, plainError, newItem, toView, isStale };

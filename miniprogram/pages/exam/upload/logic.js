const { chooseImages } = require('../../../utils/media');
const { toNotice } = require('../../../utils/errors');
const { endsPairing } = require('../../../utils/upload-policy');
const privacy = require('../../../utils/privacy');

// What the page renders for each queued photo (see components/upload-item).
function toViewItem(item) {
  const error = item.error || null;
  return {
    id: item.id,
    thumb: item.thumb,
    status: item.status,
    progress: item.progress,
    code: error ? error.code || '' : '',
    // The server's own Chinese message (or the network one) for a failed photo.
    message: error ? error.message || '' : '',
    faq: error ? error.faq : null,
    canRetry: item.canRetry,
    canDelete: item.canDelete,
  };
}

function summarise(items) {
  return {
    done: items.filter((i) => i.status === 'done').length,
    failed: items.filter((i) => i.status === 'failed').length,
    total: items.length,
  };
}

// Answer photos for one paired question, over the app-wide queue (getApp().uploads). The page
// only shows and steers its pairing's items: leaving the page (or a re-scan) stops nothing.
// onChange({items, summary, retryable, ended}) after every change (retryable: photos 全部重试
// would send; ended: the server's notice once it said the pairing is over, else null).
function createUploadController({ wx, services, queue, pairingId, question = '', onChange = () => {} }) {
  const { auth } = services;
  let unsubscribe = null;

  function watch() {
    if (unsubscribe) return;
    unsubscribe = queue.subscribe(pairingId, (list) => {
      const items = list.map(toViewItem);
      const over = list.find((i) => endsPairing(i.error));
      onChange({
        items,
        summary: summarise(items),
        retryable: items.filter((i) => i.canRetry).length,
        ended: over ? { code: over.error.code, message: over.error.message, faq: over.error.faq } : null,
      });
    });
  }
  watch();

  return {
    // Pick photos (album or camera) and queue them. Resolves {added} or {error}.
    // Consent to the privacy guide first (the page's <privacy-popup> asks): without it WeChat
    // refuses chooseMedia.
    async choose() {
      if (!(await privacy.ensureConsent(wx))) return { added: 0, error: privacy.REFUSED_NOTICE };
      try {
        const files = await chooseImages(wx, { count: 9 });
        if (!files.length) return { added: 0 };
        // The token may have been cleared by a 401; get a fresh one before uploading.
        await auth.ensurePhoneLogin();
        const added = await queue.add(pairingId, files, { question });
        return { added: added.length };
      } catch (err) {
        return { added: 0, error: toNotice(err) };
      }
    },

    async retry(id) {
      try {
        await auth.ensurePhoneLogin();
        return { retried: queue.retry(id) };
      } catch (err) {
        return { retried: false, error: toNotice(err) };
      }
    },

    // 全部重试
    async retryAll() {
      try {
        await auth.ensurePhoneLogin();
        return { retried: queue.retryAll(pairingId) };
      } catch (err) {
        return { retried: 0, error: toNotice(err) };
      }
    },

    // 删除
    remove: (id) => ({ removed: queue.remove(id) }),

    // The page's lifecycle only connects and disconnects the view; the queue keeps going.
    watch,
    unwatch() {
      if (unsubscribe) unsubscribe();
      unsubscribe = null;
    },
  };
}

module.exports = { createUploadController, toViewItem, summarise };

const { chooseImages } = require('../../../utils/media');
const { toNotice } = require('../../../utils/errors');

// What the page renders for each queued photo (see components/upload-item).
function toViewItem(item) {
  return {
    id: item.id,
    thumb: item.thumb,
    status: item.status,
    progress: item.progress,
    code: item.error ? item.error.code : '',
    message: item.error ? item.error.message : '',
    faq: item.error ? item.error.faq : null,
    canRetry: item.canRetry,
  };
}

function summarise(items) {
  return {
    done: items.filter((i) => i.status === 'done').length,
    failed: items.filter((i) => i.status === 'failed').length,
    total: items.length,
  };
}

// Answer-photo upload for one paired question. onChange({items, summary}) after every change.
function createUploadController({ wx, services, pairingId, onChange = () => {} }) {
  const { auth, pairing } = services;
  const queue = pairing.createPhotoQueue({
    onChange(list) {
      const items = list.map(toViewItem);
      onChange({ items, summary: summarise(items) });
    },
  });

  return {
    // Pick photos (album or camera) and queue them. Resolves {added} or {error}.
    async choose() {
      try {
        const files = await chooseImages(wx, { count: 9 });
        if (!files.length) return { added: 0 };
        // The token may have been cleared by a 401; get a fresh one before uploading.
        await auth.ensurePhoneLogin();
        files.forEach((f) => queue.add({ filePath: f.filePath, thumb: f.thumb, url: pairing.photoUrl(pairingId) }));
        return { added: files.length };
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

    pause: () => queue.pause(),
    resume: () => queue.resume(),
    dispose: () => queue.dispose(),
  };
}

module.exports = { createUploadController };

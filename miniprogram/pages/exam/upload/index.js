const { createServices } = require('../../../services/index');
const { appPhotoQueue } = require('../../../services/uploads');
const { toNotice } = require('../../../utils/errors');
const { PAIRING_MESSAGES } = require('../../scan/entry/logic');
const { createUploadController } = require('./logic');

Page({
  data: {
    question: '',
    items: [],
    summary: { done: 0, failed: 0, total: 0 },
    retryable: 0,
    error: null,
    ended: false,
  },

  onLoad(options) {
    const pairingId = options && options.pairing_id;
    const question = (options && options.question) || '';
    this.setData({ question });
    if (!pairingId) {
      this.setData({ error: { code: 'PAIRING_NOT_FOUND', message: '缺少配对信息，请重新扫描电脑上的二维码', faq: null } });
      return;
    }
    const app = typeof getApp === 'function' ? getApp() : null;
    this.pairingId = pairingId;
    this.services = (app && app.services) || createServices();
    // The queue belongs to the app (app.js): it outlives this page, a re-scan and an app kill.
    this.controller = createUploadController({
      wx,
      services: this.services,
      queue: appPhotoQueue({ services: this.services }),
      pairingId,
      question,
      onChange: ({ items, summary, retryable, ended }) => {
        this.setData({ items, summary, retryable });
        // The server said the pairing is over (ended, handed in): scan a fresh code to go on.
        if (ended && !this.data.ended) this.setData({ ended: true, error: ended });
      },
    });
  },

  onShow() {
    if (this.controller) this.controller.watch();
  },

  // A hidden page needs no redraws; its uploads go on in the app's queue.
  onHide() {
    if (this.controller) this.controller.unwatch();
  },

  onUnload() {
    if (this.controller) this.controller.unwatch();
  },

  async onChoose() {
    if (!this.controller) return;
    const res = await this.controller.choose();
    this.setData({ error: res.error || null });
  },

  // 结束配对: this phone stops uploading for the question; the desktop is told.
  async onUnpair() {
    if (!this.controller || this.data.ended) return;
    try {
      await this.services.auth.ensurePhoneLogin();
      await this.services.pairing.unpair(this.pairingId);
    } catch (err) {
      this.setData({ error: toNotice(err) });
      return;
    }
    this.setData({ ended: true, error: { code: 'PAIRING_ENDED', message: PAIRING_MESSAGES.PAIRING_ENDED, faq: null } });
  },

  async onRetry(e) {
    const res = await this.controller.retry(e.detail.id);
    if (res.error) this.setData({ error: res.error });
  },

  async onRetryAll() {
    if (!this.controller) return;
    const res = await this.controller.retryAll();
    this.setData({ error: res.error || null });
  },

  onDelete(e) {
    if (this.controller) this.controller.remove(e.detail.id);
  },
});

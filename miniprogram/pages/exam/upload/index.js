const { createServices } = require('../../../services/index');
const { toNotice } = require('../../../utils/errors');
const { PAIRING_MESSAGES } = require('../../scan/entry/logic');
const { createUploadController } = require('./logic');

Page({
  data: {
    question: '',
    items: [],
    summary: { done: 0, failed: 0, total: 0 },
    error: null,
    ended: false,
  },

  onLoad(options) {
    const pairingId = options && options.pairing_id;
    this.setData({ question: (options && options.question) || '' });
    if (!pairingId) {
      this.setData({ error: { code: 'PAIRING_NOT_FOUND', message: '缺少配对信息，请重新扫描电脑上的二维码', faq: null } });
      return;
    }
    this.pairingId = pairingId;
    this.services = createServices();
    this.controller = createUploadController({
      wx,
      services: this.services,
      pairingId,
      onChange: ({ items, summary }) => this.setData({ items, summary }),
    });
  },

  // wx.uploadFile fails after 5 s in the background; hold queued photos until the page is back.
  onHide() {
    if (this.controller) this.controller.pause();
  },

  onShow() {
    if (this.controller) this.controller.resume();
  },

  onUnload() {
    if (this.controller) this.controller.dispose();
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
    this.controller.pause();
    this.setData({ ended: true, error: { code: 'PAIRING_ENDED', message: PAIRING_MESSAGES.PAIRING_ENDED, faq: null } });
  },

  async onRetry(e) {
    const res = await this.controller.retry(e.detail.id);
    if (res.error) this.setData({ error: res.error });
  },
});

const { createServices } = require('../../../services/index');
const { createUploadController } = require('./logic');

Page({
  data: {
    question: '',
    items: [],
    summary: { done: 0, failed: 0, total: 0 },
    error: null,
  },

  onLoad(options) {
    const pairingId = options && options.pairing_id;
    this.setData({ question: (options && options.question) || '' });
    if (!pairingId) {
      this.setData({ error: { code: 'PAIRING_NOT_FOUND', message: '缺少配对信息，请重新扫描电脑上的二维码', faq: null } });
      return;
    }
    this.controller = createUploadController({
      wx,
      services: createServices(),
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

  async onRetry(e) {
    const res = await this.controller.retry(e.detail.id);
    if (res.error) this.setData({ error: res.error });
  },
});

const { createServices } = require('../../../services/index');
const { toNotice } = require('../../../utils/errors');
const { enter, scanAgain } = require('./logic');

Page({
  data: {
    loading: true,
    error: null,
  },

  onLoad(options) {
    this.services = createServices();
    this.process(options || {});
  },

  async process(options) {
    this.setData({ loading: true, error: null });
    const result = await enter(options, { wx, auth: this.services.auth, pairing: this.services.pairing });
    // On success the page has already been replaced by the upload or second-camera page.
    if (!result.ok) this.setData({ loading: false, error: result.error });
  },

  async onScanAgain() {
    try {
      const options = await scanAgain(wx);
      if (options) this.process(options);
    } catch (err) {
      this.setData({ loading: false, error: toNotice(err) });
    }
  },

  onGoHome() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});

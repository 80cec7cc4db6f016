const { createServices } = require('../../../services/index');
const { loginUrl } = require('../../auth/login/logic');
const { loadRequests } = require('./logic');

const THIS_PAGE = '/pages/profile/requests/index';

Page({
  data: {
    loading: true,
    requests: [],
    error: null,
  },

  onLoad() {
    this.services = createServices();
  },

  onShow() {
    this.refresh();
  },

  async onPullDownRefresh() {
    await this.refresh();
    wx.stopPullDownRefresh();
  },

  async refresh() {
    this.setData({ loading: true, error: null });
    const res = await loadRequests(this.services);
    if (res.needLogin) {
      wx.redirectTo({ url: loginUrl(THIS_PAGE) });
      return;
    }
    this.setData({ loading: false, requests: res.ok ? res.requests : [], error: res.ok ? null : res.error });
  },

  onNewRequest() {
    wx.redirectTo({ url: '/pages/profile/id-photo/index' });
  },
});

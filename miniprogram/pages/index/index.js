const { createServices } = require('../../services/index');
const { scanAndOpen } = require('./logic');

Page({
  data: {
    error: null,
    userName: '',
  },

  onLoad() {
    this.services = createServices();
  },

  onShow() {
    const user = this.services.auth.currentUser();
    this.setData({ userName: (user && user.name) || '' });
  },

  async onScan() {
    const res = await scanAndOpen(wx);
    this.setData({ error: res.error || null });
  },

  onIdPhoto() {
    wx.navigateTo({ url: '/pages/profile/id-photo/index' });
  },

  onMyRequests() {
    wx.navigateTo({ url: '/pages/profile/requests/index' });
  },

  onLogout() {
    this.services.auth.logoutCandidate();
    this.setData({ userName: '' });
  },
});

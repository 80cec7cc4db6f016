const { createServices } = require('../../../services/index');
const { loginUrl } = require('../../auth/login/logic');
const { chooseIdPhoto, submitIdPhoto, REQUESTS_PAGE, THIS_PAGE } = require('./logic');

Page({
  data: {
    file: null,
    uploading: false,
    progress: 0,
    error: null,
    userName: '',
  },

  onLoad() {
    this.services = createServices();
  },

  onShow() {
    if (!this.services.auth.isCandidateLoggedIn()) {
      wx.redirectTo({ url: loginUrl(THIS_PAGE) });
      return;
    }
    const user = this.services.auth.currentUser();
    this.setData({ userName: (user && user.name) || '' });
  },

  async onChoose() {
    const res = await chooseIdPhoto(wx);
    if (res.file) this.setData({ file: res.file, error: null, progress: 0 });
    else if (res.error) this.setData({ error: res.error });
  },

  async onSubmit() {
    if (!this.data.file || this.data.uploading) return;
    this.setData({ uploading: true, error: null, progress: 0 });
    const res = await submitIdPhoto({
      services: this.services,
      filePath: this.data.file.filePath,
      onProgress: (progress) => this.setData({ progress }),
    });
    this.setData({ uploading: false });
    if (res.ok) {
      wx.showToast({ title: '已提交，等待老师审核', icon: 'none' });
      wx.redirectTo({ url: REQUESTS_PAGE });
    } else if (res.needLogin) {
      wx.redirectTo({ url: loginUrl(THIS_PAGE) });
    } else {
      this.setData({ error: res.error });
    }
  },

  onViewRequests() {
    wx.navigateTo({ url: REQUESTS_PAGE });
  },
});

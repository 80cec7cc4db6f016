const { createServices } = require('../../../services/index');
const { login } = require('./logic');

Page({
  data: {
    username: '',
    password: '',
    submitting: false,
    error: null,
  },

  onLoad(options) {
    this.redirect = (options && options.redirect) || '';
    this.services = createServices();
  },

  onUsernameInput(e) {
    this.setData({ username: e.detail.value });
  },

  onPasswordInput(e) {
    this.setData({ password: e.detail.value });
  },

  async onSubmit() {
    if (this.data.submitting) return;
    this.setData({ submitting: true, error: null });
    const res = await login({
      auth: this.services.auth,
      username: this.data.username,
      password: this.data.password,
      redirect: this.redirect,
    });
    if (res.ok) {
      wx.redirectTo({ url: res.redirect });
      return;
    }
    this.setData({ submitting: false, error: res.error });
  },
});

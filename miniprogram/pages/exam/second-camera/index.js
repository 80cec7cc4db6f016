const config = require('../../../config/index');
const { createServices } = require('../../../services/index');
const { createSecondCamera } = require('./logic');

Page({
  data: {
    question: '',
    running: false,
    sent: 0,
    failed: 0,
    lastError: null,
    stopped: null,
    cameraDenied: false,
    intervalSeconds: config.secondCameraIntervalMs / 1000,
  },

  onLoad(options) {
    const pairingId = options && options.pairing_id;
    if (!pairingId) {
      this.setData({ stopped: { code: 'PAIRING_NOT_FOUND', message: '缺少配对信息，请重新扫描电脑上的二维码', faq: null } });
      return;
    }
    // Kept to reopen this page after the camera permission is granted (values stay as received).
    this.query = Object.keys(options).map((k) => `${k}=${options[k]}`).join('&');
    this.setData({ question: options.question || '' });
    this.controller = createSecondCamera({
      wx,
      services: createServices(),
      pairingId,
      camera: wx.createCameraContext(),
      onChange: (s) => this.setData({
        running: s.running,
        sent: s.sent,
        failed: s.failed,
        lastError: s.lastError,
        stopped: s.stopped,
      }),
    });
  },

  // takePhoto fails until the <camera> has initialised: the first start waits for initdone,
  // later ones (coming back from the background) happen in onShow.
  onCameraReady() {
    this.cameraReady = true;
    if (this.controller) this.controller.start();
  },

  onShow() {
    if (this.controller && this.cameraReady && !this.data.cameraDenied) this.controller.start();
  },

  onHide() {
    if (this.controller) this.controller.stop();
  },

  onUnload() {
    if (this.controller) this.controller.dispose();
  },

  onCameraError() {
    this.setData({ cameraDenied: true });
    if (this.controller) {
      this.controller.fail({ code: 'CAMERA_DENIED', message: '无法使用摄像头，请在设置中允许小程序使用摄像头后重试', faq: null });
    }
  },

  onOpenSetting() {
    wx.openSetting({
      success: (res) => {
        if (res.authSetting && res.authSetting['scope.camera']) {
          // A fresh page is the simplest way to re-create the <camera> and the controller.
          wx.redirectTo({ url: `/pages/exam/second-camera/index?${this.query}` });
        }
      },
    });
  },
});

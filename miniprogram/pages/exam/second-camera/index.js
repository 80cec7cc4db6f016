const config = require('../../../config/index');
const { createServices } = require('../../../services/index');
const { toNotice } = require('../../../utils/errors');
const { scanForScene, entryUrl } = require('../../../utils/scan');
const privacy = require('../../../utils/privacy');
const { createSecondCamera } = require('./logic');

// The <camera> is re-created (wx:if off, then on) after it stops or errors, waiting 1 s, 2 s,
// 4 s; after that the candidate restarts it by hand.
const MAX_RESTARTS = 3;
const RESTART_BASE_MS = 1000;

const CAMERA_TEXT = {
  privacy: '等待同意隐私保护指引',
  starting: '正在启动摄像头…',
  ready: '',
  restarting: '摄像头已中断，正在重新启动…',
  failed: '摄像头无法启动，请点击“重新启动摄像头”，或退出后重新扫码',
  denied: '无法使用摄像头，请在设置中允许小程序使用摄像头后重试',
};

Page({
  data: {
    question: '',
    running: false,
    sent: 0,
    dropped: 0,
    lastError: null,
    stopped: null,
    stopText: '',
    cameraOn: false,
    cameraState: 'starting',
    cameraText: CAMERA_TEXT.starting,
    intervalSeconds: config.secondCameraIntervalMs / 1000,
  },

  onLoad(options) {
    const pairingId = options && options.pairing_id;
    this.visible = true;
    this.restarts = 0;
    if (!pairingId) {
      const reason = { code: 'PAIRING_NOT_FOUND', message: '缺少配对信息，请重新扫描电脑上的二维码', faq: null };
      this.setData({ stopped: reason, lastError: reason, stopText: '未开始拍摄' });
      return;
    }
    // Kept to reopen this page after the camera permission is granted (values stay as received).
    this.query = Object.keys(options).map((k) => `${k}=${options[k]}`).join('&');
    this.setData({ question: options.question || '' });
    this.controller = createSecondCamera({
      wx,
      services: createServices(),
      pairingId,
      getCamera: () => this.camera,
      onChange: (s) => {
        this.setData({ running: s.running, sent: s.sent, dropped: s.dropped, lastError: s.lastError, stopped: s.stopped, stopText: s.stopText });
        if (s.stopped) this.setCamera('off', false); // done for good: let the camera go
      },
    });
    // New users must agree to the privacy guide before the <camera> may start.
    privacy.check(wx).then(({ needed }) => {
      if (!needed) this.setCamera('starting', true);
      else {
        this.setCamera('privacy', false);
        privacy.requireAuthorization(wx);
      }
    });
  },

  setCamera(cameraState, cameraOn) {
    this.setData({ cameraState, cameraOn, cameraText: CAMERA_TEXT[cameraState] || '' });
  },

  onPrivacyAgree() {
    if (!this.data.stopped && !this.data.cameraOn) this.setCamera('starting', true);
  },

  // takePhoto fails until the <camera> has initialised: the first start waits for initdone,
  // later ones (coming back from the background) happen in onShow.
  onCameraReady() {
    this.camera = wx.createCameraContext();
    this.restarts = 0;
    this.setCamera('ready', true);
    if (this.controller && this.visible) this.controller.start();
  },

  onShow() {
    this.visible = true;
    if (this.controller && this.data.cameraState === 'ready') this.controller.start();
  },

  onHide() {
    this.visible = false;
    if (this.controller) this.controller.pause();
  },

  onUnload() {
    this.visible = false;
    clearTimeout(this.restartTimer);
    if (this.controller) this.controller.dispose();
  },

  // bindstop: WeChat stopped the camera (another app took it, a call came in...).
  onCameraStop() {
    this.restartCamera();
  },

  // binderror: no permission, or the camera failed to open.
  onCameraError() {
    if (this.controller) this.controller.pause();
    wx.getSetting({
      success: (res) => {
        if (res.authSetting && res.authSetting['scope.camera'] === false) this.setCamera('denied', false);
        else this.restartCamera();
      },
      fail: () => this.restartCamera(),
    });
  },

  restartCamera() {
    if (!this.controller || this.data.stopped) return;
    this.controller.pause();
    clearTimeout(this.restartTimer);
    if (this.restarts >= MAX_RESTARTS) {
      this.setCamera('failed', false);
      return;
    }
    this.restarts += 1;
    this.setCamera('restarting', false);
    this.restartTimer = setTimeout(() => this.setCamera('restarting', true), RESTART_BASE_MS * 2 ** (this.restarts - 1));
  },

  onRestartCamera() {
    this.restarts = 0;
    this.setCamera('starting', true);
  },

  // 重新扫码: pause, scan, and hand the code to the entry page as a first scan would.
  async onRescan() {
    if (this.controller) this.controller.pause();
    try {
      const res = await scanForScene(wx);
      if (res.cancelled) {
        this.onShow();
        return;
      }
      wx.redirectTo({ url: entryUrl(res.scene) });
    } catch (err) {
      this.setData({ lastError: toNotice(err) });
      this.onShow();
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

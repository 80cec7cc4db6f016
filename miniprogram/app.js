// Exam Cloud phone companion. Pages do their own work through services/; the app checks for a
// new version (an old build may not know a new QR code's purpose) and owns the answer-photo
// upload queue, which must outlive any page: a re-scan reLaunches, and WeChat may kill the app
// in the background. Pages read it with getApp().uploads.
const { createServices } = require('./services/index');
const { createAnswerPhotoQueue } = require('./services/uploads');

App({
  onLaunch() {
    this.services = createServices();
    // Picks up what an earlier run left (records + photo copies) and listens for the network.
    this.uploads = createAnswerPhotoQueue({ services: this.services }).start();
    this.checkForUpdate();
  },

  // Back in the foreground: what waited (backoff, offline, cut off by the hide) goes again.
  onShow() {
    if (this.uploads) this.uploads.resume();
  },

  // WeChat cuts the network a few seconds after the app is hidden: start nothing new until shown.
  onHide() {
    if (this.uploads) this.uploads.pause();
  },

  checkForUpdate() {
    if (!wx.canIUse('getUpdateManager')) return;
    const updateManager = wx.getUpdateManager();
    updateManager.onUpdateReady(() => {
      wx.showModal({
        title: '发现新版本',
        content: '新版本已准备好，是否重启小程序？',
        success(res) {
          if (res.confirm) updateManager.applyUpdate();
        },
      });
    });
  },
});

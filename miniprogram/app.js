// Exam Cloud phone companion. Pages do their own work through services/; the app only checks
// for a new version, because an old build may not know a new QR code's purpose.
App({
  onLaunch() {
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

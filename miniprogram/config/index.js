// The one place for deployment settings. No secrets belong here: the AppSecret lives only on the
// server (WECHAT_SECRET), and this file ships inside the mini program package.
module.exports = {
  // Must also be listed as a request/uploadFile legal domain in the WeChat admin console.
  apiBaseUrl: 'https://exam.example.edu.cn',
  // Path prefix of the plain QR codes the server issues: <apiBaseUrl>/m/<scene>.
  qrPathPrefix: '/m/',
  // WeChat allows 10 concurrent uploadFile tasks; 3 keeps a weak phone network responsive.
  uploadConcurrency: 3,
  uploadMaxRetries: 3,
  // wx.uploadFile's own limit is 60 s.
  uploadTimeoutMs: 60000,
  requestTimeoutMs: 15000,
  secondCameraIntervalMs: 5000,
};

// The second-camera page from its real template (tests/helpers/page.js): the <camera> events, the
// page lifecycle and the buttons, as the candidate's phone drives them.
const { mountPage, settle } = require('../helpers/page');
const { createFakeWx, serverError, CATALOGUE, BASE } = require('../helpers/fake-wx');
const { KEYS } = require('../../utils/session');

const ROUTE = 'pages/exam/second-camera/index';

function open({ upload = () => ({ statusCode: 202, data: '{"id":1}' }), storage = { [KEYS.phone]: 'p' }, loginCodes, privacyNeeded = false } = {}) {
  const wx = createFakeWx({ storage, upload, loginCodes });
  wx.privacyNeeded = privacyNeeded;
  const page = mountPage(ROUTE, { wx });
  page.load({ pairing_id: '5', attempt_id: '6', question: '2' });
  return { wx, page };
}

// The <camera> reports it is ready (bindinitdone).
async function cameraReady(page) {
  await settle();
  await page.trigger('camera', 'initdone');
}

afterEach(() => {
  jest.useRealTimers();
});

describe('second camera page', () => {
  test('starts shooting once the camera is ready, and shows what was sent', async () => {
    const { wx, page } = open();
    await cameraReady(page);
    expect(wx.calls.takePhoto).toHaveLength(1);
    expect(wx.calls.uploadFile[0].url).toBe(`${BASE}/api/v1/pairings/5/snapshots`);
    expect(page.text('.sent')).toBe('1');
    expect(page.text('.state')).toBe('拍摄中（每 5 秒一张）');
    expect(wx.calls.keepScreenOn).toEqual([true]);
  });

  test('onHide stops the camera and lets the screen sleep; onShow starts it again', async () => {
    const { wx, page } = open();
    await cameraReady(page);
    page.hide();
    await settle();
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    expect(page.text('.state')).toBe('已暂停');
    page.show();
    await settle();
    expect(wx.calls.keepScreenOn).toEqual([true, false, true]);
    expect(wx.calls.takePhoto).toHaveLength(2);
    expect(page.text('.state')).toBe('拍摄中（每 5 秒一张）');
  });

  test('onUnload stops it for good', async () => {
    const { wx, page } = open();
    await cameraReady(page);
    page.unload();
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
  });

  test('an iOS PNG snapshot is sent as JPEG', async () => {
    const { wx, page } = open();
    wx.photoExt = 'png';
    await cameraReady(page);
    expect(wx.calls.uploadFile[0].filePath).toMatch(/\.jpg$/);
  });

  test('a camera that stops is re-created and shooting resumes; after three tries a button restarts it', async () => {
    jest.useFakeTimers();
    const { wx, page } = open();
    await cameraReady(page);
    await page.trigger('camera', 'stop');
    expect(page.exists('camera')).toBe(false);
    expect(page.text('.camera-text')).toBe('摄像头已中断，正在重新启动…');
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(page.exists('camera')).toBe(true);
    await page.trigger('camera', 'initdone');
    expect(wx.calls.takePhoto).toHaveLength(2);

    // Three failures in a row (1 s, 2 s, 4 s apart), then the candidate decides.
    for (const wait of [1000, 2000, 4000]) {
      await page.trigger('camera', 'error', { errMsg: 'camera:fail' });
      jest.advanceTimersByTime(wait);
      await settle();
      expect(page.exists('camera')).toBe(true);
    }
    await page.trigger('camera', 'error', { errMsg: 'camera:fail' });
    expect(page.exists('camera')).toBe(false);
    expect(page.text('.camera-text')).toMatch(/摄像头无法启动/);
    await page.tapButton('重新启动摄像头');
    expect(page.exists('camera')).toBe(true);
  });

  test('a camera refused in the settings offers the settings page', async () => {
    const { wx, page } = open();
    wx.authSetting = { 'scope.camera': false };
    await settle();
    await page.trigger('camera', 'error', { errMsg: 'camera:fail auth deny' });
    expect(page.exists('camera')).toBe(false);
    expect(page.text('.camera-text')).toBe('无法使用摄像头，请在设置中允许小程序使用摄像头后重试');
    await page.tapButton('去设置允许使用摄像头');
    expect(wx.calls.openSetting).toBe(1);
  });

  test('ATTEMPT_SUBMITTED: the camera stops for good and says the exam was handed in', async () => {
    const { wx, page } = open({ upload: () => serverError(409, 'ATTEMPT_SUBMITTED') });
    await cameraReady(page);
    expect(page.text('.state')).toBe('考试已交卷，第二机位已停止拍摄，可以关闭本页面');
    expect(page.text('error-notice')).toContain(CATALOGUE.ATTEMPT_SUBMITTED.message);
    expect(page.exists('camera')).toBe(false);
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    page.show(); // coming back changes nothing
    expect(wx.calls.takePhoto).toHaveLength(1);
  });

  test('PAIRING_ENDED: stops and tells the candidate the pairing is over', async () => {
    const { page } = open({ upload: () => serverError(410, 'PAIRING_ENDED') });
    await cameraReady(page);
    expect(page.text('.state')).toBe('与电脑的配对已结束，第二机位已停止拍摄');
    expect(page.text('error-notice')).toContain(CATALOGUE.PAIRING_ENDED.message);
  });

  test('重新扫码 scans and goes through the entry page as a first scan does', async () => {
    const { wx, page } = open();
    await cameraReady(page);
    wx.scanCodeResult = { result: `${BASE}/m/New1Scene2`, scanType: 'QR_CODE' };
    await page.tapButton('重新扫码');
    expect(wx.calls.redirectTo).toEqual(['/pages/scan/entry/index?scene=New1Scene2']);
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
  });

  test('重新扫码 cancelled: shooting goes on', async () => {
    const { wx, page } = open();
    await cameraReady(page);
    await page.tapButton('重新扫码');
    expect(wx.calls.redirectTo).toEqual([]);
    expect(page.text('.state')).toBe('拍摄中（每 5 秒一张）');
  });

  test('a failing wx.login is not retried on every start: the wait is shown', async () => {
    const { wx, page } = open({ storage: {}, loginCodes: [] });
    await cameraReady(page);
    expect(wx.calls.login).toBe(1);
    page.hide();
    page.show();
    await settle();
    expect(wx.calls.login).toBe(1);
    expect(page.text('error-notice')).toMatch(/微信登录失败.*秒后自动重试/);
    expect(wx.calls.takePhoto).toHaveLength(0);
  });

  test('without a pairing it says to scan again and has no camera', () => {
    const wx = createFakeWx();
    const page = mountPage(ROUTE, { wx });
    page.load({});
    expect(page.exists('camera')).toBe(false);
    expect(page.text('error-notice')).toMatch(/重新扫描/);
  });
});

describe('second camera page: privacy consent', () => {
  test('a new user sees the privacy popup first; the camera starts after 同意', async () => {
    const { wx, page } = open({ privacyNeeded: true });
    await settle();
    expect(page.exists('camera')).toBe(false);
    expect(page.text('.camera-text')).toBe('等待同意隐私保护指引');
    const popup = page.node('privacy-popup');
    expect(popup.querySelector('.privacy-popup__title').dom.textContent).toBe('用户隐私保护提示');
    popup.querySelector('.privacy-popup__agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(wx.privacyNeeded).toBe(false);
    expect(wx.privacyAgreedWith).toBe('privacy-popup-agree');
    expect(page.exists('camera')).toBe(true);
    await page.trigger('camera', 'initdone');
    expect(wx.calls.takePhoto).toHaveLength(1);
  });

  test('拒绝 keeps the camera off and explains photos need consent', async () => {
    const { wx, page } = open({ privacyNeeded: true });
    await settle();
    const popup = page.node('privacy-popup');
    popup.querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(page.exists('camera')).toBe(false);
    expect(popup.querySelector('.privacy-popup__refused-text').dom.textContent).toMatch(/无法使用相机拍照/);
    expect(wx.calls.takePhoto).toHaveLength(0);
  });
});

// The home page and the scan entry page from their real templates (tests/helpers/page.js).
const { mountPage, settle } = require('../helpers/page');
const { createFakeWx, json, serverError, CATALOGUE, BASE } = require('../helpers/fake-wx');
const { KEYS } = require('../../utils/session');

describe('home page', () => {
  test('扫一扫 opens the entry page with the scanned scene', async () => {
    const wx = createFakeWx();
    const page = mountPage('pages/index/index', { wx });
    page.load();
    wx.scanCodeResult = { result: `${BASE}/m/Home$Scan1`, scanType: 'QR_CODE' };
    await page.tapButton('扫一扫');
    expect(wx.calls.navigateTo).toEqual([`/pages/scan/entry/index?scene=${encodeURIComponent('Home$Scan1')}`]);
    expect(page.exists('.error-notice')).toBe(false);
  });

  test('a code that is not ours is explained on the page', async () => {
    const wx = createFakeWx();
    const page = mountPage('pages/index/index', { wx });
    page.load();
    wx.scanCodeResult = { result: 'https://weixin.qq.com/x/abc' };
    await page.tapButton('扫一扫');
    expect(page.text('error-notice')).toContain('无法识别该二维码，请扫描电脑考试页面上显示的二维码');
    expect(wx.calls.navigateTo).toEqual([]);
  });

  test('the ID photo and request buttons open their pages', async () => {
    const wx = createFakeWx();
    const page = mountPage('pages/index/index', { wx });
    page.load();
    await page.tapButton('上传证件照（更新底照）');
    await page.tapButton('我的底照申请');
    expect(wx.calls.navigateTo).toEqual(['/pages/profile/id-photo/index', '/pages/profile/requests/index']);
  });

  test('a logged-in candidate sees the name and can log out', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.candidate]: 'c', [KEYS.candidateUser]: { name: '王五' } },
      routes: { 'POST /api/v1/auth/logout': () => json(204, '') },
    });
    const page = mountPage('pages/index/index', { wx });
    page.load();
    expect(page.text('.account')).toBe('已登录：王五退出登录');
    await page.tap('.link');
    expect(page.exists('.account')).toBe(false);
    expect(wx.calls.request.map((r) => r.path)).toEqual(['/api/v1/auth/logout']);
    expect(wx.storage[KEYS.candidate]).toBeUndefined();
  });
});

describe('scan entry page', () => {
  const ok = (purpose) => () => json(200, { pairing_id: 5, attempt_id: 6, question: 2, purpose });

  function open(redeem, options = { scene: 'Ab12Cd34' }) {
    const wx = createFakeWx({ routes: { 'POST /api/v1/auth/wechat': () => json(200, { access_token: 't' }), 'POST /api/v1/pairings': redeem } });
    const page = mountPage('pages/scan/entry/index', { wx });
    page.load(options);
    return { wx, page };
  }

  test('shows the pairing card, then goes to the page the code is for', async () => {
    const { wx, page } = open(ok('second_camera'));
    expect(page.text('.title')).toBe('正在与电脑配对…');
    await settle();
    expect(wx.calls.redirectTo).toEqual(['/pages/exam/second-camera/index?pairing_id=5&attempt_id=6&question=2']);
  });

  test('an expired code: 配对失败 with the server message, FAQ and the two buttons', async () => {
    const { wx, page } = open(() => serverError(410, 'PAIRING_EXPIRED'));
    await settle();
    expect(page.text('.title')).toBe('配对失败');
    expect(page.text('error-notice')).toContain(CATALOGUE.PAIRING_EXPIRED.message);
    expect(page.text('error-notice')).toContain('FAQ 22');
    expect(page.button('重新扫码')).not.toBeNull();
    await page.tapButton('返回首页');
    expect(wx.calls.reLaunch).toEqual(['/pages/index/index']);
    expect(wx.calls.redirectTo).toEqual([]);
  });

  test('重新扫码 after a failure pairs with the new code', async () => {
    let n = 0;
    const { wx, page } = open(() => ((n += 1) === 1 ? serverError(409, 'PAIRING_USED') : ok('answer_photo')()));
    await settle();
    wx.scanCodeResult = { result: `${BASE}/m/Fresh1Code2`, scanType: 'QR_CODE' };
    await page.tapButton('重新扫码');
    expect(wx.calls.request.filter((r) => r.path === '/api/v1/pairings').map((r) => r.data.scene)).toEqual(['Ab12Cd34', 'Fresh1Code2']);
    expect(wx.calls.redirectTo).toEqual(['/pages/exam/upload/index?pairing_id=5&attempt_id=6&question=2']);
  });

  test('the exam already handed in: ATTEMPT_SUBMITTED is shown as the server words it', async () => {
    const { page } = open(() => serverError(409, 'ATTEMPT_SUBMITTED'));
    await settle();
    expect(page.text('error-notice')).toContain(CATALOGUE.ATTEMPT_SUBMITTED.message);
  });
});

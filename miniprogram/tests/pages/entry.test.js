const { enter, scanAgain } = require('../../pages/scan/entry/logic');
const { createServices } = require('../../services/index');
const { KEYS } = require('../../utils/session');
const { createFakeWx, json, apiError, serverError, CATALOGUE, BASE } = require('../helpers/fake-wx');

const wechatLogin = () => json(200, { access_token: 'phone-tok' });

function setup(pairingHandler, { storage = {} } = {}) {
  const wx = createFakeWx({
    storage,
    routes: { 'POST /api/v1/auth/wechat': wechatLogin, 'POST /api/v1/pairings': pairingHandler },
  });
  const services = createServices({ wx });
  const deps = { wx, auth: services.auth, pairing: services.pairing };
  return { wx, deps };
}

const paired = (purpose) => () => json(200, { pairing_id: 'pr-9', attempt_id: 77, question: 4, purpose });

describe('scan entry page', () => {
  test('answer_photo: logs in, redeems the scene and redirects to the upload page', async () => {
    const { wx, deps } = setup(paired('answer_photo'));
    const res = await enter({ scene: encodeURIComponent('Ab12$Cd34') }, deps);

    expect(res.ok).toBe(true);
    expect(wx.calls.login).toBe(1);
    const pairCall = wx.calls.request.find((c) => c.path === '/api/v1/pairings');
    expect(pairCall.data).toEqual({ scene: 'Ab12$Cd34' });
    expect(pairCall.header.Authorization).toBe('Bearer phone-tok');
    expect(wx.calls.redirectTo).toEqual(['/pages/exam/upload/index?pairing_id=pr-9&attempt_id=77&question=4']);
  });

  test('second_camera: redirects to the second-camera page', async () => {
    const { wx, deps } = setup(paired('second_camera'));
    await enter({ scene: 'Ab12Cd34' }, deps);
    expect(wx.calls.redirectTo).toEqual(['/pages/exam/second-camera/index?pairing_id=pr-9&attempt_id=77&question=4']);
  });

  test('a plain QR code (options.q) works the same way', async () => {
    const { wx, deps } = setup(paired('answer_photo'));
    await enter({ q: encodeURIComponent(`${BASE}/m/Qr0Code1Scene2`) }, deps);
    expect(wx.calls.request.find((c) => c.path === '/api/v1/pairings').data).toEqual({ scene: 'Qr0Code1Scene2' });
    expect(wx.calls.redirectTo).toHaveLength(1);
  });

  // What POST /api/v1/pairings answers (server/domain/companion/pairing.py: redeem), in the
  // server's own words and FAQ, shown as they are.
  test.each([
    [410, 'PAIRING_EXPIRED'],
    [409, 'PAIRING_USED'],
    [404, 'PAIRING_NOT_FOUND'],
    [410, 'PAIRING_ENDED'],
    [409, 'ATTEMPT_SUBMITTED'],
    [409, 'PHONE_IN_USE'],
  ])('%i %s shows the server message and FAQ and does not redirect', async (status, code) => {
    const { wx, deps } = setup(() => serverError(status, code));
    const res = await enter({ scene: 'Ab12Cd34' }, deps);
    expect(res.ok).toBe(false);
    expect(res.error).toEqual({ code, message: CATALOGUE[code].message, faq: CATALOGUE[code].faq });
    expect(wx.calls.redirectTo).toHaveLength(0);
  });

  test('an invalid scene is refused without any network call', async () => {
    const { wx, deps } = setup(paired('answer_photo'));
    const res = await enter({ scene: 'abc%25' }, deps);
    expect(res.error.code).toBe('INVALID_SCENE');
    expect(res.error.message).toMatch(/无法识别该二维码/);
    expect(wx.calls.login).toBe(0);
    expect(wx.calls.request).toHaveLength(0);
  });

  test('an expired stored phone session is replaced once and the pairing succeeds', async () => {
    let n = 0;
    const { wx, deps } = setup(
      (call) => ((n += 1) === 1 && call.header.Authorization === 'Bearer stale'
        ? apiError(401, 'TOKEN_EXPIRED', '登录已过期', null)
        : json(200, { pairing_id: 'pr-1', attempt_id: 1, question: 1, purpose: 'answer_photo' })),
      { storage: { [KEYS.phone]: 'stale' } },
    );
    const res = await enter({ scene: 'Ab12Cd34' }, deps);
    expect(res.ok).toBe(true);
    expect(wx.calls.login).toBe(1);
    expect(wx.storage[KEYS.phone]).toBe('phone-tok');
  });

  test('WECHAT_NOT_CONFIGURED shows the server message', async () => {
    const wx = createFakeWx({
      routes: { 'POST /api/v1/auth/wechat': () => apiError(503, 'WECHAT_NOT_CONFIGURED', '学校尚未开通微信小程序登录，请联系老师', null) },
    });
    const services = createServices({ wx });
    const res = await enter({ scene: 'Ab12Cd34' }, { wx, auth: services.auth, pairing: services.pairing });
    expect(res.error).toMatchObject({ code: 'WECHAT_NOT_CONFIGURED', message: '学校尚未开通微信小程序登录，请联系老师' });
    expect(wx.calls.redirectTo).toHaveLength(0);
  });

  test('an unknown purpose is an error, not a redirect to a wrong page', async () => {
    const { wx, deps } = setup(paired('face_check'));
    const res = await enter({ scene: 'Ab12Cd34' }, deps);
    expect(res.error.code).toBe('UNKNOWN_PURPOSE');
    expect(wx.calls.redirectTo).toHaveLength(0);
  });

  test('scan again: a scanned code becomes new options; cancel does nothing; a foreign code is refused', async () => {
    const wx = createFakeWx();
    wx.scanCodeResult = { result: `${BASE}/m/New$Scene1`, scanType: 'QR_CODE' };
    await expect(scanAgain(wx)).resolves.toEqual({ scene: encodeURIComponent('New$Scene1') });

    wx.scanCodeResult = { fail: 'scanCode:fail cancel' };
    await expect(scanAgain(wx)).resolves.toBeNull();

    wx.scanCodeResult = { result: 'https://weixin.qq.com/x/abc' };
    await expect(scanAgain(wx)).rejects.toMatchObject({ code: 'INVALID_SCENE' });
  });
});

const { createServices } = require('../services/index');
const { createLoginGate, BACKOFF_CAP_MS } = require('../services/auth');
const { KEYS } = require('../utils/session');
const { createFakeWx, json, apiError } = require('./helpers/fake-wx');

function setup({ routes = {}, upload = null, storage = {}, loginCodes, loginGate = createLoginGate() } = {}) {
  const wx = createFakeWx({ routes, upload, storage, loginCodes });
  return { wx, services: createServices({ wx, loginGate }) };
}

// A clock the test moves by hand; random() = 1 makes each backoff its full (un-jittered) length.
function clockedGate(random = () => 1) {
  const clock = { t: 1000000 };
  return { clock, gate: createLoginGate({ now: () => clock.t, random }) };
}

describe('auth service: phone session', () => {
  test('wx.login → POST /api/v1/auth/wechat {code} → stores access_token', async () => {
    const { wx, services } = setup({
      routes: { 'POST /api/v1/auth/wechat': (call) => json(200, { access_token: `tok-for-${call.data.code}` }) },
    });
    await expect(services.auth.ensurePhoneLogin()).resolves.toBe('tok-for-code-1');
    expect(wx.calls.request[0]).toMatchObject({ method: 'POST', data: { code: 'code-1' } });
    expect(wx.calls.request[0].header.Authorization).toBeUndefined();
    expect(wx.storage[KEYS.phone]).toBe('tok-for-code-1');
  });

  test('reuses the stored token without logging in again', async () => {
    const { wx, services } = setup({ storage: { [KEYS.phone]: 'kept' } });
    await expect(services.auth.ensurePhoneLogin()).resolves.toBe('kept');
    expect(wx.calls.login).toBe(0);
    expect(wx.calls.request).toHaveLength(0);
  });

  test('concurrent callers share one wx.login (a code is single use)', async () => {
    const { wx, services } = setup({
      routes: { 'POST /api/v1/auth/wechat': () => json(200, { access_token: 't' }) },
    });
    await Promise.all([services.auth.ensurePhoneLogin(), services.auth.ensurePhoneLogin()]);
    expect(wx.calls.login).toBe(1);
    expect(wx.calls.request).toHaveLength(1);
  });

  test('WECHAT_NOT_CONFIGURED surfaces the server message and stores nothing', async () => {
    const { wx, services } = setup({
      routes: { 'POST /api/v1/auth/wechat': () => apiError(503, 'WECHAT_NOT_CONFIGURED', '微信登录未配置，请联系学校老师', null) },
    });
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({
      code: 'WECHAT_NOT_CONFIGURED',
      message: '微信登录未配置，请联系学校老师',
    });
    expect(wx.storage[KEYS.phone]).toBeUndefined();
  });

  test('a failed wx.login gives a Chinese error', async () => {
    const { services } = setup({ loginCodes: [] });
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED', message: expect.stringMatching(/微信登录失败/) });
  });
});

describe('auth service: failed logins back off', () => {
  test('after failures wx.login waits 1 s, 2 s, 4 s ... and callers in between get the last error at once', async () => {
    const { clock, gate } = clockedGate();
    const { wx, services } = setup({ loginCodes: [], loginGate: gate });
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED' });
    expect(wx.calls.login).toBe(1);

    clock.t += 999;
    const early = services.auth.ensurePhoneLogin();
    await expect(early).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED', message: expect.stringMatching(/1 秒后自动重试/) });
    expect(wx.calls.login).toBe(1);

    clock.t += 1;
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED' });
    expect(wx.calls.login).toBe(2);
    clock.t += 1999;
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ retryAfterMs: 1 });
    expect(wx.calls.login).toBe(2);
  });

  test('the wait is capped at about a minute, jittered, and a success resets it', async () => {
    const { clock, gate } = clockedGate(() => 0); // the shortest jitter: half the full wait
    const codes = Array(12).fill(null);
    codes.push('code-ok');
    const { wx, services } = setup({ loginCodes: codes, loginGate: gate, routes: { 'POST /api/v1/auth/wechat': () => json(200, { access_token: 't' }) } });
    const waits = [];
    for (let i = 0; i < 12; i += 1) {
      await expect(services.auth.ensurePhoneLogin()).rejects.toBeTruthy();
      waits.push(gate.waitMs());
      clock.t += gate.waitMs();
    }
    expect(wx.calls.login).toBe(12);
    // 2^(n-1) s uncapped, at most 60 s; the shortest jitter halves each.
    expect(waits.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(waits[11]).toBe(30000);
    await expect(services.auth.ensurePhoneLogin()).resolves.toBe('t');
    expect(gate.gate.failures).toBe(0);
    expect(gate.waitMs()).toBe(0);
    expect(BACKOFF_CAP_MS).toBe(60000);
  });

  test('the backoff is shared by every page: a second services instance waits too', async () => {
    const { gate } = clockedGate();
    const first = setup({ loginCodes: [], loginGate: gate });
    await expect(first.services.auth.ensurePhoneLogin()).rejects.toBeTruthy();
    const second = setup({ loginCodes: ['c'], loginGate: gate });
    await expect(second.services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'WX_LOGIN_FAILED' });
    expect(second.wx.calls.login).toBe(0);
  });

  test('without an explicit gate, pages on the same wx share one: the second page does not call wx.login', async () => {
    const wx = createFakeWx({ loginCodes: [] });
    await expect(createServices({ wx }).auth.ensurePhoneLogin()).rejects.toBeTruthy();
    await expect(createServices({ wx }).auth.ensurePhoneLogin()).rejects.toMatchObject({ message: expect.stringMatching(/秒后自动重试/) });
    expect(wx.calls.login).toBe(1);
  });

  test('a failing /auth/wechat backs off as a failing wx.login does', async () => {
    const { gate } = clockedGate();
    const { wx, services } = setup({ loginGate: gate, routes: { 'POST /api/v1/auth/wechat': () => ({ fail: 'request:fail timeout' }) } });
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await expect(services.auth.ensurePhoneLogin()).rejects.toMatchObject({ code: 'NETWORK_ERROR', message: expect.stringMatching(/秒后自动重试/) });
    expect(wx.calls.request).toHaveLength(1);
  });

  test('re-login after a 401 on an upload: clear the token, ensurePhoneLogin() once, a new token', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.phone]: 'expired' },
      routes: { 'POST /api/v1/auth/wechat': (call) => json(200, { access_token: `new-${call.data.code}` }) },
    });
    services.session.clearToken('phone');
    await expect(services.auth.ensurePhoneLogin()).resolves.toBe('new-code-1');
    expect(wx.storage[KEYS.phone]).toBe('new-code-1');
    expect(wx.calls.login).toBe(1);
  });
});

describe('auth service: candidate login', () => {
  const ok = () => json(200, { access_token: 'cand', role: 'candidate', user: { id: 3, name: '李四' } });

  test('posts username (trimmed) and password, stores the candidate token and user', async () => {
    const { wx, services } = setup({ routes: { 'POST /api/v1/auth/login': ok } });
    await expect(services.auth.loginWithPassword({ username: ' 11010519900307123x ', password: '07123X' })).resolves.toEqual({ id: 3, name: '李四' });
    expect(wx.calls.request[0].data).toEqual({ username: '11010519900307123x', password: '07123X' });
    expect(services.auth.isCandidateLoggedIn()).toBe(true);
    expect(services.auth.currentUser()).toEqual({ id: 3, name: '李四' });
  });

  test('INVALID_CREDENTIALS shows the server message and FAQ', async () => {
    const { services } = setup({
      routes: { 'POST /api/v1/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', '用户名或密码错误，默认密码为身份证后6位', 12) },
    });
    await expect(services.auth.loginWithPassword({ username: 'S1', password: 'x' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      faq: 12,
      message: '用户名或密码错误，默认密码为身份证后6位',
    });
    expect(services.auth.isCandidateLoggedIn()).toBe(false);
  });

  test('a teacher account is refused on the phone', async () => {
    const { services } = setup({
      routes: { 'POST /api/v1/auth/login': () => json(200, { access_token: 't', role: 'teacher', user: {} }) },
    });
    await expect(services.auth.loginWithPassword({ username: 'teacher1', password: 'p' })).rejects.toMatchObject({ code: 'NOT_CANDIDATE' });
    expect(services.auth.isCandidateLoggedIn()).toBe(false);
  });

  test('empty fields are refused before any request', async () => {
    const { wx, services } = setup();
    await expect(services.auth.loginWithPassword({ username: ' ', password: 'x' })).rejects.toMatchObject({ message: '请输入学号或身份证号' });
    await expect(services.auth.loginWithPassword({ username: 'S1', password: '' })).rejects.toMatchObject({ message: '请输入密码' });
    expect(wx.calls.request).toHaveLength(0);
  });

  test('logout ends the candidate session on the server, forgets it, keeps the phone session', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.phone]: 'p', [KEYS.candidate]: 'c' },
      routes: { 'POST /api/v1/auth/logout': () => json(204, '') },
    });
    services.auth.logoutCandidate();
    expect(services.auth.isCandidateLoggedIn()).toBe(false);
    expect(wx.storage[KEYS.phone]).toBe('p');
    expect(wx.calls.request).toHaveLength(1);
    expect(wx.calls.request[0]).toMatchObject({ method: 'POST', header: { Authorization: 'Bearer c' } });
    expect(wx.calls.request[0].path).toBe('/api/v1/auth/logout');
  });

  test('logout without a candidate session asks the server nothing', () => {
    const { wx, services } = setup({ storage: { [KEYS.phone]: 'p' } });
    services.auth.logoutCandidate();
    expect(wx.calls.request).toHaveLength(0);
  });
});

describe('pairing service', () => {
  test('redeem posts {scene} with the phone token and maps the answer', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.phone]: 'p' },
      routes: { 'POST /api/v1/pairings': () => json(200, { pairing_id: 41, attempt_id: 7, question: 3, purpose: 'answer_photo' }) },
    });
    await expect(services.pairing.redeem('Ab12Cd34')).resolves.toEqual({ pairingId: '41', attemptId: 7, question: 3, purpose: 'answer_photo' });
    expect(wx.calls.request[0]).toMatchObject({ data: { scene: 'Ab12Cd34' }, header: { Authorization: 'Bearer p' } });
  });

  test('photo and snapshot upload URLs', () => {
    const { services } = setup();
    expect(services.pairing.photoUrl('41')).toBe('https://exam.example.edu.cn/api/v1/pairings/41/photos');
    expect(services.pairing.snapshotUrl('41')).toBe('https://exam.example.edu.cn/api/v1/pairings/41/snapshots');
  });

  test('a photo queue sends the phone token and a 401 on upload clears it', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.phone]: 'p' },
      upload: () => ({ statusCode: 401, data: JSON.stringify({ code: 'TOKEN_EXPIRED', message: '登录已过期', faq: null }) }),
    });
    const queue = services.pairing.createPhotoQueue();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: services.pairing.photoUrl('41') });
    const final = await queue.wait(item.id);
    expect(wx.calls.uploadFile[0].header.Authorization).toBe('Bearer p');
    expect(final.status).toBe('failed');
    expect(wx.storage[KEYS.phone]).toBeUndefined();
  });
});

describe('base-photo service', () => {
  test('submit uploads the ID photo as the candidate and resolves the pending request', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.candidate]: 'c', [KEYS.phone]: 'p' },
      upload: () => ({ statusCode: 202, data: JSON.stringify({ id: 12, status: 'pending' }) }),
    });
    const progress = [];
    await expect(services.basePhoto.submit('/tmp/id.jpg', { onChange: (items) => progress.push(items[0].status) }))
      .resolves.toEqual({ id: 12, status: 'pending' });
    expect(wx.calls.uploadFile[0]).toMatchObject({
      url: 'https://exam.example.edu.cn/api/v1/me/base-photo-requests',
      name: 'file',
      header: { Authorization: 'Bearer c' },
    });
    expect(progress).toContain('done');
  });

  test('submit rejects with the server message for an unsupported image', async () => {
    const { services } = setup({
      storage: { [KEYS.candidate]: 'c' },
      upload: () => ({ statusCode: 415, data: JSON.stringify({ code: 'UNSUPPORTED_IMAGE', message: '无法识别的图片，请选择 JPG 或 PNG 照片', faq: null }) }),
    });
    await expect(services.basePhoto.submit('/tmp/id.gif')).rejects.toMatchObject({
      name: 'ApiError',
      code: 'UNSUPPORTED_IMAGE',
      status: 415,
      message: '无法识别的图片，请选择 JPG 或 PNG 照片',
    });
  });

  test('list shows 待审核 / 已通过 / 已驳回, newest first, in Beijing time', async () => {
    const { wx, services } = setup({
      storage: { [KEYS.candidate]: 'c' },
      routes: {
        'GET /api/v1/me/base-photo-requests': () => json(200, [
          { id: 1, status: 'approved', created_at: '2024-05-01T02:00:00+00:00', decided_at: '2024-05-01T03:30:00.123456+00:00', score: 0.71 },
          { id: 3, status: 'pending', created_at: '2024-05-03T09:15:00+08:00', decided_at: null, score: null },
          { id: 2, status: 'rejected', created_at: '2024-05-02T10:00:00+08:00', decided_at: '2024-05-02T12:00:00+08:00', score: 0.1, decision_note: '照片模糊' },
        ]),
      },
    });
    const list = await services.basePhoto.list();
    expect(wx.calls.request[0].header.Authorization).toBe('Bearer c');
    expect(list.map((r) => [r.id, r.statusText])).toEqual([[3, '待审核'], [2, '已驳回'], [1, '已通过']]);
    expect(list[2]).toMatchObject({ createdAt: '2024-05-01 10:00', decidedAt: '2024-05-01 11:30' });
    expect(list[0].decidedAt).toBe('');
    expect(list[1].note).toBe('照片模糊');
  });
});

const { login, safeRedirect, loginUrl } = require('../../pages/auth/login/logic');
const { chooseIdPhoto, submitIdPhoto } = require('../../pages/profile/id-photo/logic');
const { loadRequests } = require('../../pages/profile/requests/logic');
const { scanAndOpen } = require('../../pages/index/logic');
const { createServices } = require('../../services/index');
const { KEYS } = require('../../utils/session');
const { createFakeWx, json, apiError, BASE } = require('../helpers/fake-wx');

describe('login page', () => {
  test('a candidate login goes on to the page that asked for it', async () => {
    const wx = createFakeWx({
      routes: { 'POST /api/v1/auth/login': () => json(200, { access_token: 'c', role: 'candidate', user: { name: '王五' } }) },
    });
    const { auth } = createServices({ wx });
    const res = await login({ auth, username: '2023001', password: '12345X', redirect: encodeURIComponent('/pages/profile/requests/index') });
    expect(res).toMatchObject({ ok: true, redirect: '/pages/profile/requests/index', user: { name: '王五' } });
    expect(wx.storage[KEYS.candidate]).toBe('c');
  });

  test('wrong password shows the server message and FAQ number', async () => {
    const wx = createFakeWx({
      routes: { 'POST /api/v1/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', '用户名或密码错误', 1) },
    });
    const res = await login({ auth: createServices({ wx }).auth, username: 'x', password: 'y' });
    expect(res).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS', message: '用户名或密码错误', faq: 1 } });
  });

  test('redirect targets are limited to our own pages', () => {
    expect(safeRedirect(encodeURIComponent('/pages/profile/requests/index'))).toBe('/pages/profile/requests/index');
    expect(safeRedirect('https://evil.example.com')).toBe('/pages/profile/id-photo/index');
    expect(safeRedirect('')).toBe('/pages/profile/id-photo/index');
    expect(loginUrl('/pages/profile/id-photo/index')).toBe('/pages/auth/login/index?redirect=%2Fpages%2Fprofile%2Fid-photo%2Findex');
  });
});

describe('ID photo page', () => {
  test('picks one photo from album or camera', async () => {
    const wx = createFakeWx();
    wx.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://id.jpg', size: 3e6 }] };
    await expect(chooseIdPhoto(wx)).resolves.toEqual({ file: { filePath: 'wxfile://id.jpg', thumb: 'wxfile://id.jpg', size: 3e6 } });
    expect(wx.calls.chooseMedia[0]).toMatchObject({ count: 1, sourceType: ['album', 'camera'], sizeType: ['compressed'] });
  });

  test('without a candidate login it asks to log in and uploads nothing', async () => {
    const wx = createFakeWx({ storage: { [KEYS.phone]: 'phone-only' } });
    const res = await submitIdPhoto({ services: createServices({ wx }), filePath: 'wxfile://id.jpg' });
    expect(res).toMatchObject({ ok: false, needLogin: true });
    expect(wx.calls.uploadFile).toHaveLength(0);
  });

  test('submits the photo, reporting progress, and returns the pending request', async () => {
    const wx = createFakeWx({ storage: { [KEYS.candidate]: 'c' }, upload: () => 'manual' });
    const progress = [];
    const pending = submitIdPhoto({ services: createServices({ wx }), filePath: 'wxfile://id.jpg', onProgress: (p) => progress.push(p) });
    const upload = wx.calls.uploadFile[0];
    upload.progress(50);
    upload.respond(202, { id: 8, status: 'pending' });
    await expect(pending).resolves.toEqual({ ok: true, request: { id: 8, status: 'pending' } });
    expect(progress).toContain(50);
    expect(progress[progress.length - 1]).toBe(100);
  });

  test('a refused photo shows the server reason', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.candidate]: 'c' },
      upload: () => ({ statusCode: 413, data: JSON.stringify({ code: 'UPLOAD_TOO_LARGE', message: '照片太大', faq: null }) }),
    });
    const res = await submitIdPhoto({ services: createServices({ wx }), filePath: 'wxfile://id.jpg' });
    expect(res).toEqual({ ok: false, needLogin: false, error: { code: 'UPLOAD_TOO_LARGE', message: '照片太大', faq: null } });
  });
});

describe('my requests page', () => {
  test('lists the requests with their Chinese status', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.candidate]: 'c' },
      routes: { 'GET /api/v1/me/base-photo-requests': () => json(200, [{ id: 1, status: 'pending', created_at: '2024-05-03T09:15:00+08:00', decided_at: null, score: 0.5 }]) },
    });
    const res = await loadRequests(createServices({ wx }));
    expect(res.ok).toBe(true);
    expect(res.requests[0]).toMatchObject({ statusText: '待审核', createdAt: '2024-05-03 09:15' });
  });

  test('an expired candidate login sends the student back to the login page', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.candidate]: 'old' },
      routes: { 'GET /api/v1/me/base-photo-requests': () => apiError(401, 'TOKEN_EXPIRED', '登录已过期', null) },
    });
    const res = await loadRequests(createServices({ wx }));
    expect(res).toMatchObject({ ok: false, needLogin: true });
    expect(wx.storage[KEYS.candidate]).toBeUndefined();
  });
});

describe('home page', () => {
  test('scanning an exam QR code opens the entry page with its scene', async () => {
    const wx = createFakeWx();
    wx.scanCodeResult = { result: `${BASE}/m/Home$Scan1`, scanType: 'QR_CODE' };
    await expect(scanAndOpen(wx)).resolves.toEqual({ url: `/pages/scan/entry/index?scene=${encodeURIComponent('Home$Scan1')}` });
    expect(wx.calls.navigateTo).toEqual([`/pages/scan/entry/index?scene=${encodeURIComponent('Home$Scan1')}`]);
  });

  test('scanning something else shows an error and opens nothing', async () => {
    const wx = createFakeWx();
    wx.scanCodeResult = { result: 'hello' };
    const res = await scanAndOpen(wx);
    expect(res.error.code).toBe('INVALID_SCENE');
    expect(wx.calls.navigateTo).toHaveLength(0);
  });
});

const { createRequest } = require('../utils/request');
const { createSession, KEYS } = require('../utils/session');
const { createFakeWx, json, apiError } = require('./helpers/fake-wx');

function setup(routes, storage = {}) {
  const wx = createFakeWx({ routes, storage });
  const session = createSession(wx);
  const request = createRequest({ wx, session, baseUrl: 'https://exam.example.edu.cn' });
  return { wx, session, request };
}

describe('request wrapper', () => {
  test('resolves the body of a 2xx and sends the phone bearer token to the full URL', async () => {
    const { wx, request } = setup(
      { 'GET /api/v1/time': () => json(200, { server_time: '2024-06-01T09:00:00+08:00', timezone: 'Asia/Shanghai' }) },
      { [KEYS.phone]: 'phone-token' },
    );
    await expect(request({ url: '/api/v1/time' })).resolves.toEqual({
      server_time: '2024-06-01T09:00:00+08:00',
      timezone: 'Asia/Shanghai',
    });
    expect(wx.calls.request[0].url).toBe('https://exam.example.edu.cn/api/v1/time');
    expect(wx.calls.request[0].header.Authorization).toBe('Bearer phone-token');
  });

  test('a 202 is a success too', async () => {
    const { request } = setup({ 'POST /api/v1/x': () => json(202, { id: 7, status: 'queued' }) });
    await expect(request({ url: '/api/v1/x', method: 'POST' })).resolves.toEqual({ id: 7, status: 'queued' });
  });

  test('auth: false sends no Authorization header; auth: candidate sends the candidate token', async () => {
    const { wx, request } = setup(
      { 'POST /api/v1/auth/wechat': () => json(200, {}), 'GET /api/v1/me/exams': () => json(200, []) },
      { [KEYS.phone]: 'p', [KEYS.candidate]: 'c' },
    );
    await request({ url: '/api/v1/auth/wechat', method: 'POST', auth: false });
    await request({ url: '/api/v1/me/exams', auth: 'candidate' });
    expect(wx.calls.request[0].header.Authorization).toBeUndefined();
    expect(wx.calls.request[1].header.Authorization).toBe('Bearer c');
  });

  test('maps the error body to code/message/faq/status', async () => {
    const { request } = setup({
      'POST /api/v1/auth/login': () => apiError(401, 'INVALID_CREDENTIALS', '用户名或密码错误', 12),
    });
    const err = await request({ url: '/api/v1/auth/login', method: 'POST', auth: false }).catch((e) => e);
    expect(err).toMatchObject({ name: 'ApiError', code: 'INVALID_CREDENTIALS', message: '用户名或密码错误', faq: 12, status: 401 });
  });

  test('keeps the extra fields of a 422 as details', async () => {
    const { request } = setup({
      'POST /api/v1/pairings': () => json(422, { code: 'VALIDATION_ERROR', message: '参数错误', faq: null, fields: { scene: ['必填'] } }),
    });
    const err = await request({ url: '/api/v1/pairings', method: 'POST', data: {} }).catch((e) => e);
    expect(err.status).toBe(422);
    expect(err.details).toEqual({ fields: { scene: ['必填'] } });
  });

  test('a 401 clears the stored phone session token, and only that one', async () => {
    const { wx, request } = setup(
      { 'POST /api/v1/pairings': () => apiError(401, 'TOKEN_EXPIRED', '登录已过期', null) },
      { [KEYS.phone]: 'stale', [KEYS.candidate]: 'still-good' },
    );
    await expect(request({ url: '/api/v1/pairings', method: 'POST' })).rejects.toMatchObject({ status: 401 });
    expect(wx.storage[KEYS.phone]).toBeUndefined();
    expect(wx.storage[KEYS.candidate]).toBe('still-good');
  });

  test('a 401 on a candidate call clears the candidate login and user', async () => {
    const { wx, request } = setup(
      { 'GET /api/v1/me/base-photo-requests': () => apiError(401, 'TOKEN_EXPIRED', '登录已过期', null) },
      { [KEYS.phone]: 'p', [KEYS.candidate]: 'c', [KEYS.candidateUser]: { name: '张三' } },
    );
    await expect(request({ url: '/api/v1/me/base-photo-requests', auth: 'candidate' })).rejects.toMatchObject({ status: 401 });
    expect(wx.storage[KEYS.candidate]).toBeUndefined();
    expect(wx.storage[KEYS.candidateUser]).toBeUndefined();
    expect(wx.storage[KEYS.phone]).toBe('p');
  });

  test('a 403 does not clear the token', async () => {
    const { wx, request } = setup(
      { 'GET /api/v1/x': () => apiError(403, 'FORBIDDEN', '没有权限', null) },
      { [KEYS.phone]: 'p' },
    );
    await expect(request({ url: '/api/v1/x' })).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(wx.storage[KEYS.phone]).toBe('p');
  });

  test('a proxy error page without an API body still gives a Chinese message', async () => {
    const { request } = setup({ 'GET /api/v1/x': () => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }) });
    const err = await request({ url: '/api/v1/x' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'HTTP_502', status: 502, faq: null });
    expect(err.message).toBe('服务器繁忙，请稍后重试');
  });

  test('a network failure rejects with NETWORK_ERROR and status 0', async () => {
    const { request } = setup({ 'GET /api/v1/x': () => ({ fail: 'request:fail timeout' }) });
    const err = await request({ url: '/api/v1/x' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', status: 0, message: '网络连接失败，请检查网络后重试' });
  });
});

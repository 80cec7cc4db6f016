// The second camera's controller (pages/exam/second-camera/logic.js) against the fake wx: what
// reaches POST /api/v1/pairings/{id}/snapshots, and when it stops.
const { createSecondCamera } = require('../../pages/exam/second-camera/logic');
const { createServices } = require('../../services/index');
const { createLoginGate } = require('../../services/auth');
const { KEYS } = require('../../utils/session');
const { createFakeWx, flush, serverError, CATALOGUE } = require('../helpers/fake-wx');

const SNAPSHOTS = 'https://exam.example.edu.cn/api/v1/pairings/pr-5/snapshots';

function fakeTimers() {
  const t = { active: null, cleared: 0 };
  t.setInterval = (fn, ms) => {
    t.active = { fn, ms };
    return 1;
  };
  t.clearInterval = () => {
    t.active = null;
    t.cleared += 1;
  };
  t.fire = () => t.active && t.active.fn();
  return t;
}

function setup({ upload = () => ({ statusCode: 202, data: '{"id":1}' }), storage = { [KEYS.phone]: 'p' }, loginCodes, routes } = {}) {
  const clock = { t: 1e6 };
  const wx = createFakeWx({ storage, upload, loginCodes, routes });
  const camera = wx.createCameraContext();
  const timers = fakeTimers();
  const states = [];
  const controller = createSecondCamera({
    wx,
    services: createServices({ wx, loginGate: createLoginGate({ now: () => clock.t, random: () => 1 }) }),
    pairingId: 'pr-5',
    getCamera: () => camera,
    timers,
    now: () => clock.t,
    intervalMs: 5000,
    onChange: (s) => states.push(s),
  });
  return { wx, clock, timers, controller, last: () => states[states.length - 1] };
}

describe('second camera: snapshots', () => {
  test('keeps the screen on and sends a low-quality JPEG now and every interval', async () => {
    const { wx, timers, controller, last } = setup();
    controller.start();
    expect(wx.calls.keepScreenOn).toEqual([true]);
    expect(timers.active.ms).toBe(5000);
    await flush();
    timers.fire();
    await flush();
    expect(wx.calls.takePhoto[0].quality).toBe('low');
    expect(wx.calls.uploadFile.map((u) => [u.url, u.filePath, u.name])).toEqual([
      [SNAPSHOTS, 'wxfile://tmp/snap-1.jpg', 'file'],
      [SNAPSHOTS, 'wxfile://tmp/snap-2.jpg', 'file'],
    ]);
    expect(wx.calls.uploadFile[0].header.Authorization).toBe('Bearer p');
    expect(wx.calls.compressImage).toHaveLength(0); // already JPEG (Android)
    expect(last()).toMatchObject({ running: true, sent: 2, lastError: null });
  });

  test('an iOS PNG is re-encoded as JPEG before it is sent', async () => {
    const { wx, controller } = setup();
    wx.photoExt = 'png';
    controller.start();
    await flush();
    expect(wx.calls.compressImage).toEqual([expect.objectContaining({ src: 'wxfile://tmp/snap-1.png' })]);
    expect(wx.calls.uploadFile).toHaveLength(1);
    expect(wx.calls.uploadFile[0].filePath).toMatch(/\.jpg$/);
  });

  test('newest only: while one upload is out, older waiting snapshots are dropped', async () => {
    const { wx, timers, controller, last } = setup({ upload: () => 'manual' });
    controller.start();
    await flush();
    timers.fire();
    await flush();
    timers.fire();
    await flush();
    timers.fire();
    await flush();
    // Four pictures taken; one upload in flight, the newest (4) waits, 2 and 3 were dropped.
    expect(wx.calls.takePhoto).toHaveLength(4);
    expect(wx.calls.uploadFile.map((u) => u.filePath)).toEqual(['wxfile://tmp/snap-1.jpg']);
    wx.calls.uploadFile[0].respond(202, { id: 1 });
    await flush();
    expect(wx.calls.uploadFile.map((u) => u.filePath)).toEqual(['wxfile://tmp/snap-1.jpg', 'wxfile://tmp/snap-4.jpg']);
    wx.calls.uploadFile[1].respond(202, { id: 2 });
    await flush();
    expect(last()).toMatchObject({ sent: 2, dropped: 2 });
  });

  test('pause (onHide) clears the timer and lets the screen sleep; start again (onShow) resumes', async () => {
    const { wx, timers, controller, last } = setup();
    controller.start();
    await flush();
    controller.pause();
    expect(timers.active).toBeNull();
    expect(last().running).toBe(false);
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    await controller.tick(); // a late tick does nothing
    expect(wx.calls.takePhoto).toHaveLength(1);
    controller.start();
    await flush();
    expect(wx.calls.takePhoto).toHaveLength(2);
  });

  test('a network hiccup is shown but the camera keeps going, with no retry of the stale picture', async () => {
    const { wx, timers, controller, last } = setup({ upload: () => ({ fail: 'uploadFile:fail timeout' }) });
    controller.start();
    await flush();
    expect(last().lastError).toMatchObject({ code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试' });
    expect(timers.active).not.toBeNull();
    await flush(10);
    expect(wx.calls.uploadFile).toHaveLength(1);
  });

  test('a failed capture is reported', async () => {
    const { wx, controller, last } = setup();
    wx.cameraFail = true;
    controller.start();
    await flush();
    expect(last().lastError).toMatchObject({ code: 'CAMERA_ERROR', message: '拍照失败，请检查摄像头是否可用' });
  });

  test('429: waits as long as the server says, taking no pictures meanwhile', async () => {
    const { wx, clock, timers, controller, last } = setup({
      upload: () => ({ statusCode: 429, data: JSON.stringify({ ...serverError(429, 'UPLOAD_RATE_LIMITED').data, retry_after: 20 }) }),
    });
    controller.start();
    await flush();
    expect(last().lastError.message).toBe(CATALOGUE.UPLOAD_RATE_LIMITED.message);
    clock.t += 19000;
    timers.fire();
    await flush();
    expect(wx.calls.takePhoto).toHaveLength(1);
    clock.t += 1000;
    timers.fire();
    await flush();
    expect(wx.calls.takePhoto).toHaveLength(2);
    expect(wx.calls.uploadFile).toHaveLength(2);
  });

  test('401: the phone token is forgotten and the next picture logs in again first', async () => {
    let n = 0;
    const { wx, timers, controller } = setup({
      upload: () => ((n += 1) === 1 ? serverError(401, 'TOKEN_EXPIRED') : { statusCode: 202, data: '{}' }),
      routes: { 'POST /api/v1/auth/wechat': () => ({ statusCode: 200, data: { access_token: 'fresh' } }) },
    });
    controller.start();
    await flush();
    expect(wx.storage[KEYS.phone]).toBeUndefined();
    timers.fire();
    await flush();
    expect(wx.calls.login).toBe(1);
    expect(wx.calls.uploadFile[1].header.Authorization).toBe('Bearer fresh');
  });
});

describe('second camera: stopping for good', () => {
  // What POST /api/v1/pairings/{id}/snapshots answers when no later snapshot can succeed
  // (server/domain/companion/pairing.py: _phone_pairing).
  test.each([
    [409, 'ATTEMPT_SUBMITTED', '考试已交卷，第二机位已停止拍摄，可以关闭本页面'],
    [410, 'PAIRING_ENDED', '与电脑的配对已结束，第二机位已停止拍摄'],
    [404, 'PAIRING_NOT_FOUND', '第二机位已停止拍摄'],
    [409, 'PAIRING_WRONG_PURPOSE', '第二机位已停止拍摄'],
  ])('%i %s stops the camera and says why', async (status, code, stopText) => {
    const { wx, timers, controller, last } = setup({ upload: () => serverError(status, code) });
    controller.start();
    await flush();
    expect(last()).toMatchObject({ running: false, sent: 0, stopText });
    expect(last().stopped).toEqual({ code, message: CATALOGUE[code].message, faq: CATALOGUE[code].faq });
    expect(timers.active).toBeNull();
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    controller.start(); // stays stopped
    expect(timers.active).toBeNull();
  });

  test('413 and 415 lose that picture only: the camera keeps going', async () => {
    const { timers, controller, last } = setup({ upload: () => serverError(415, 'UNSUPPORTED_IMAGE') });
    controller.start();
    await flush();
    expect(last()).toMatchObject({ running: true, stopped: null });
    expect(last().lastError.code).toBe('UNSUPPORTED_IMAGE');
    expect(timers.active).not.toBeNull();
  });
});

describe('second camera: login', () => {
  test('a failing wx.login backs off instead of being called every 5 s', async () => {
    const { wx, clock, timers, controller, last } = setup({ storage: {}, loginCodes: [] });
    controller.start();
    await flush();
    // Two minutes of 5 s ticks: 1 + 2 + 4 + 8 + 16 + 32 s backoff allows 7 logins, not 24.
    for (let i = 0; i < 24; i += 1) {
      clock.t += 5000;
      timers.fire();
      await flush();
    }
    expect(wx.calls.login).toBeLessThanOrEqual(7);
    expect(wx.calls.login).toBeGreaterThanOrEqual(5);
    expect(wx.calls.takePhoto).toHaveLength(0);
    expect(last().lastError.message).toMatch(/微信登录失败.*秒后自动重试/);
  });
});

const { createSecondCamera } = require('../../pages/exam/second-camera/logic');
const { createServices } = require('../../services/index');
const { KEYS } = require('../../utils/session');
const { createFakeWx, flush } = require('../helpers/fake-wx');

function fakeCamera() {
  let n = 0;
  const camera = {
    calls: [],
    fail: false,
    takePhoto(opts) {
      camera.calls.push(opts);
      n += 1;
      Promise.resolve().then(() => (camera.fail ? opts.fail({ errMsg: 'takePhoto:fail' }) : opts.success({ tempImagePath: `wxfile://snap-${n}.jpg` })));
    },
  };
  return camera;
}

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

function setup(upload = () => ({ statusCode: 202, data: '{}' })) {
  const wx = createFakeWx({ storage: { [KEYS.phone]: 'p' }, upload });
  const camera = fakeCamera();
  const timers = fakeTimers();
  const states = [];
  const controller = createSecondCamera({
    wx,
    services: createServices({ wx }),
    pairingId: 'pr-5',
    camera,
    timers,
    intervalMs: 5000,
    onChange: (s) => states.push(s),
  });
  return { wx, camera, timers, controller, last: () => states[states.length - 1] };
}

describe('second camera page', () => {
  test('keeps the screen on and sends a low-quality snapshot now and every interval', async () => {
    const { wx, camera, timers, controller, last } = setup();
    controller.start();
    expect(wx.calls.keepScreenOn).toEqual([true]);
    expect(timers.active.ms).toBe(5000);
    await flush();
    expect(camera.calls[0].quality).toBe('low');

    timers.fire();
    await flush();
    timers.fire();
    await flush();

    expect(wx.calls.uploadFile.map((u) => u.url)).toEqual(Array(3).fill('https://exam.example.edu.cn/api/v1/pairings/pr-5/snapshots'));
    expect(wx.calls.uploadFile.map((u) => u.filePath)).toEqual(['wxfile://snap-1.jpg', 'wxfile://snap-2.jpg', 'wxfile://snap-3.jpg']);
    expect(last()).toMatchObject({ running: true, sent: 3, lastError: null });
  });

  test('stop (onHide/onUnload) clears the timer: no more snapshots', async () => {
    const { camera, timers, controller, last } = setup();
    controller.start();
    await flush();
    controller.stop();
    expect(timers.cleared).toBe(1);
    expect(timers.active).toBeNull();
    expect(last().running).toBe(false);
    await controller.tick(); // a late tick does nothing
    expect(camera.calls).toHaveLength(1);
  });

  test('can be started again after a pause (onShow)', async () => {
    const { camera, controller } = setup();
    controller.start();
    await flush();
    controller.stop();
    controller.start();
    await flush();
    expect(camera.calls).toHaveLength(2);
  });

  test('an expired pairing stops the camera and says why', async () => {
    const { wx, timers, controller, last } = setup(() => ({
      statusCode: 410,
      data: JSON.stringify({ code: 'PAIRING_EXPIRED', message: '已过期', faq: null }),
    }));
    controller.start();
    await flush();
    expect(last()).toMatchObject({ running: false, sent: 0, failed: 1 });
    expect(last().lastError.message).toBe('二维码已过期，请在电脑上刷新二维码后重新扫码');
    expect(timers.active).toBeNull();
    expect(wx.calls.keepScreenOn).toEqual([true, false]);
    controller.start(); // stays stopped
    expect(timers.active).toBeNull();
  });

  test('a network hiccup is shown as the last error but the camera keeps going', async () => {
    const { timers, controller, last } = setup(() => ({ fail: 'uploadFile:fail timeout' }));
    controller.start();
    await flush(10);
    expect(last().lastError).toMatchObject({ code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试' });
    expect(timers.active).not.toBeNull();
    controller.dispose(); // cancels the pending retry timer
  });

  test('a failed capture is reported', async () => {
    const { camera, controller, last } = setup();
    camera.fail = true;
    controller.start();
    await flush();
    expect(last().lastError).toMatchObject({ code: 'CAMERA_ERROR', message: '拍照失败，请检查摄像头是否可用' });
  });
});

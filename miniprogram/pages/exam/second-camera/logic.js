const config = require('../../../config/index');
const { resolveWx } = require('../../../utils/wx');
const { toNotice } = require('../../../utils/errors');
const { createSnapshotSender } = require('./snapshot-sender');

// What the status line says once the camera has stopped for good, by the server's code.
const STOP_TEXT = {
  ATTEMPT_SUBMITTED: '考试已交卷，第二机位已停止拍摄，可以关闭本页面',
  PAIRING_ENDED: '与电脑的配对已结束，第二机位已停止拍摄',
};
const DEFAULT_STOP_TEXT = '第二机位已停止拍摄';

const CAMERA_ERROR = { code: 'CAMERA_ERROR', message: '拍照失败，请检查摄像头是否可用', faq: null };

function isJpeg(path) {
  return /\.jpe?g$/i.test(String(path || '').split('?')[0]);
}

// takePhoto gives a JPEG on Android but a PNG on iOS, several times the bytes of a JPEG for
// the same picture. wx.compressImage re-encodes any image as JPEG in one native call; a camera
// frame listener plus a canvas would do the same in JS, frame by frame, on the weakest phones.
// If compressImage fails the PNG is sent as it is: the server accepts PNG.
function toJpeg(wxApi, path, quality = 60) {
  if (isJpeg(path) || typeof wxApi.compressImage !== 'function') return Promise.resolve(path);
  return new Promise((resolve) => {
    wxApi.compressImage({
      src: path,
      quality,
      success: (res) => resolve((res && res.tempFilePath) || path),
      fail: () => resolve(path),
    });
  });
}

function takePhoto(camera) {
  return new Promise((resolve, reject) => {
    camera.takePhoto({
      quality: 'low', // a proctor's glance, every few seconds, over a phone network
      success: (res) => resolve(res.tempImagePath),
      fail: (res) => reject(res),
    });
  });
}

// The second camera (双机位): a snapshot every intervalMs from the back camera, JPEG, newest
// only, to POST /api/v1/pairings/{id}/snapshots. onChange(state) after every change.
function createSecondCamera({
  wx: injectedWx,
  services,
  pairingId,
  getCamera, // () => CameraContext (wx.createCameraContext()); a new one after a camera restart
  intervalMs = config.secondCameraIntervalMs,
  timers = { setInterval, clearInterval },
  now = () => Date.now(),
  onChange = () => {},
}) {
  const { auth, pairing, session } = services;
  const wxApi = () => resolveWx(injectedWx);
  const state = { running: false, sent: 0, dropped: 0, lastError: null, stopped: null, stopText: '' };
  let timer = null;
  let capturing = false;

  const emit = () => onChange({ ...state });

  const sender = createSnapshotSender({
    uploadFile: (opts) => wxApi().uploadFile(opts),
    url: pairing.snapshotUrl(pairingId),
    getHeader() {
      const token = session.getToken('phone');
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    now,
    onSent(counts) {
      state.sent = counts.sent;
      state.dropped = counts.dropped;
      state.lastError = null;
      emit();
    },
    onError(err) {
      state.dropped = sender.counts().dropped;
      state.lastError = toNotice(err);
      emit();
    },
    // The next tick's ensurePhoneLogin logs in again (with its backoff).
    onUnauthorized: () => session.clearToken('phone'),
    onFinal: (err) => stop(toNotice(err)),
  });

  function setKeepScreenOn(on) {
    wxApi().setKeepScreenOn({ keepScreenOn: on, fail() {} });
  }

  async function tick() {
    if (!state.running || capturing) return; // a slow phone must not pile up captures
    if (sender.holdMs() > 0) return; // rate-limited: no point taking pictures to drop
    capturing = true;
    try {
      await auth.ensurePhoneLogin();
      const raw = await takePhoto(getCamera());
      const path = await toJpeg(wxApi(), raw);
      if (state.running) sender.offer(path);
    } catch (err) {
      state.lastError = err && err.name === 'ApiError' ? toNotice(err) : CAMERA_ERROR;
      emit();
    } finally {
      capturing = false;
    }
  }

  function start() {
    if (state.running || state.stopped) return;
    state.running = true;
    setKeepScreenOn(true);
    timer = timers.setInterval(tick, intervalMs);
    emit();
    tick();
  }

  // pause: onHide, a camera that stopped; reason: a final answer, the camera is done for good.
  function stop(reason) {
    if (timer !== null) timers.clearInterval(timer);
    const wasRunning = state.running;
    timer = null;
    state.running = false;
    if (reason) {
      sender.close();
      state.stopped = reason;
      state.stopText = STOP_TEXT[reason.code] || DEFAULT_STOP_TEXT;
      state.lastError = reason;
    }
    if (wasRunning || reason) setKeepScreenOn(false);
    emit();
  }

  return {
    start,
    pause: () => stop(null),
    fail: (reason) => stop(reason),
    tick,
    dispose() {
      stop(null);
      sender.close();
    },
    getState: () => ({ ...state }),
  };
}

module.exports = { createSecondCamera, toJpeg, isJpeg, STOP_TEXT };

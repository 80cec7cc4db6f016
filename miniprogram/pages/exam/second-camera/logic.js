const config = require('../../../config/index');
const { toNotice } = require('../../../utils/errors');
const { PAIRING_MESSAGES } = require('../../scan/entry/logic');

// Answers after which more snapshots cannot succeed: stop instead of hammering the server.
const FINAL_STATUSES = [403, 404, 409, 410];

// The second camera (双机位): a snapshot every intervalMs from the back camera, uploaded to
// /api/v1/pairings/{id}/snapshots. onChange(state) after every change.
function createSecondCamera({
  wx,
  services,
  pairingId,
  camera, // CameraContext from wx.createCameraContext()
  intervalMs = config.secondCameraIntervalMs,
  timers = { setInterval, clearInterval },
  onChange = () => {},
}) {
  const { auth, pairing } = services;
  const state = { running: false, sent: 0, failed: 0, lastError: null, stopped: null };
  let timer = null;
  let capturing = false;

  const emit = () => onChange({ ...state });

  const queue = pairing.createSnapshotQueue({
    onChange(list, item) {
      if (item.status === 'done') {
        state.sent += 1;
        emit();
      } else if (item.status === 'retrying') {
        state.lastError = item.error; // shown at once, though the queue will try again
        emit();
      } else if (item.status === 'failed') {
        state.failed += 1;
        state.lastError = item.error;
        if (item.error && FINAL_STATUSES.includes(item.error.status)) {
          const message = PAIRING_MESSAGES[item.error.code] || item.error.message;
          stop({ ...item.error, message });
          return;
        }
        emit();
      }
    },
  });

  function setKeepScreenOn(on) {
    wx.setKeepScreenOn({ keepScreenOn: on, fail() {} });
  }

  async function tick() {
    if (!state.running || capturing) return; // a slow phone must not pile up captures
    capturing = true;
    try {
      await auth.ensurePhoneLogin();
      const path = await new Promise((resolve, reject) => {
        camera.takePhoto({
          quality: 'low',
          success: (res) => resolve(res.tempImagePath),
          fail: (res) => reject(res),
        });
      });
      if (state.running) queue.add({ filePath: path, url: pairing.snapshotUrl(pairingId) });
    } catch (err) {
      state.lastError = err && err.name === 'ApiError'
        ? toNotice(err)
        : { code: 'CAMERA_ERROR', message: '拍照失败，请检查摄像头是否可用', faq: null };
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

  // Called from onHide/onUnload (pause) and on a final error (stopped: the reason).
  function stop(reason) {
    if (timer !== null) timers.clearInterval(timer);
    timer = null;
    state.running = false;
    if (reason) {
      state.stopped = reason;
      state.lastError = reason;
    }
    setKeepScreenOn(false);
    emit();
  }

  return {
    start,
    stop: () => stop(null),
    fail: (reason) => stop(reason),
    tick,
    dispose() {
      stop(null);
      queue.dispose();
    },
    getState: () => ({ ...state }),
  };
}

module.exports = { createSecondCamera };

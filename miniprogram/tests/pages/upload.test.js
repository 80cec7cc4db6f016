// The upload page's controller (pages/exam/upload/logic.js) over a real app-wide queue.
const { createUploadController } = require('../../pages/exam/upload/logic');
const { createServices } = require('../../services/index');
const { createAnswerPhotoQueue } = require('../../services/uploads');
const { KEYS } = require('../../utils/session');
const { createFakeWx, flush, serverError, CATALOGUE } = require('../helpers/fake-wx');

const settle = () => flush(25);
let running = null;

function setup({ upload = () => 'manual', routes } = {}) {
  const wx = createFakeWx({ storage: { [KEYS.phone]: 'p' }, upload, routes });
  const services = createServices({ wx });
  const queue = createAnswerPhotoQueue({ wx, services }).start();
  running = queue;
  const open = (pairingId) => {
    const states = [];
    const controller = createUploadController({ wx, services, queue, pairingId, question: '2', onChange: (s) => states.push(s) });
    return { controller, last: () => states[states.length - 1], states };
  };
  return { wx, queue, ...open('pr-9'), open };
}

const photos = (...names) => ({
  tempFiles: names.map((n) => ({ tempFilePath: `wxfile://${n}.jpg`, thumbTempFilePath: `wxfile://${n}-thumb.jpg`, size: 8e6, fileType: 'image' })),
});

afterEach(() => {
  jest.useRealTimers();
  if (running) running.stop();
});

describe('answer-photo upload controller', () => {
  test('offers the album as well as the camera (FAQ 21)', async () => {
    const { wx, controller } = setup();
    wx.chooseMediaResult = photos('a');
    await controller.choose();
    expect(wx.calls.chooseMedia[0]).toMatchObject({ mediaType: ['image'], sourceType: ['album', 'camera'] });
  });

  test('chosen photos go to the pairing\'s URL from the kept copy; the view has progress and the server\'s message', async () => {
    const { wx, controller, last } = setup();
    wx.chooseMediaResult = photos('a', 'b');
    await expect(controller.choose()).resolves.toEqual({ added: 2 });

    const uploads = wx.calls.uploadFile;
    expect(uploads.map((u) => u.url)).toEqual([
      'https://exam.example.edu.cn/api/v1/pairings/pr-9/photos',
      'https://exam.example.edu.cn/api/v1/pairings/pr-9/photos',
    ]);
    expect(uploads[0].filePath).toMatch(/^wxfile:\/\/usr\/upload-queue\//);

    uploads[0].progress(60);
    expect(last().items[0]).toMatchObject({ status: 'uploading', progress: 60 });
    uploads[0].respond(202, { id: 1, status: 'processing' });
    uploads[1].respond(413, serverError(413, 'UPLOAD_TOO_LARGE').data);
    await settle();
    expect(last().summary).toEqual({ done: 1, failed: 1, total: 2 });
    expect(last().items[1]).toMatchObject({ status: 'failed', code: 'UPLOAD_TOO_LARGE', message: CATALOGUE.UPLOAD_TOO_LARGE.message, faq: 21, canRetry: false, canDelete: true });
    expect(last().retryable).toBe(0);
  });

  test('a page shows only its own pairing\'s photos', async () => {
    const { wx, controller, open } = setup();
    const other = open('pr-10');
    wx.chooseMediaResult = photos('a');
    await controller.choose();
    expect(other.last().items).toEqual([]);
  });

  test('cancelling the picker uploads nothing', async () => {
    const { wx, controller } = setup();
    wx.chooseMediaResult = { fail: 'chooseMedia:fail cancel' };
    await expect(controller.choose()).resolves.toEqual({ added: 0 });
    expect(wx.calls.uploadFile).toHaveLength(0);
  });

  test('a picker that cannot open explains the album workaround', async () => {
    const { wx, controller } = setup();
    wx.chooseMediaResult = { fail: 'chooseMedia:fail auth deny' };
    const res = await controller.choose();
    expect(res.error).toMatchObject({ code: 'CHOOSE_IMAGE_FAILED', faq: 21 });
    expect(res.error.message).toMatch(/相册/);
  });

  test('retry and delete through the controller; unwatch stops the view, not the upload', async () => {
    const { wx, controller, last, states } = setup({ upload: () => ({ fail: 'uploadFile:fail timeout' }) });
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
    wx.chooseMediaResult = photos('a', 'b');
    await controller.choose();
    // Six automatic retries with backoff, then a failure worth retrying by hand.
    for (let i = 0; i < 8; i += 1) {
      await jest.runOnlyPendingTimersAsync();
    }
    jest.useRealTimers();
    expect(last().items.map((i) => [i.status, i.canRetry])).toEqual([['failed', true], ['failed', true]]);
    expect(last().retryable).toBe(2);
    expect(last().items[0].message).toBe('网络连接失败，请检查网络后重试');

    const before = wx.calls.uploadFile.length;
    expect(controller.remove(last().items[1].id)).toEqual({ removed: true });
    await expect(controller.retryAll()).resolves.toEqual({ retried: 1 });
    expect(wx.calls.uploadFile.length).toBe(before + 1);

    controller.unwatch();
    const seen = states.length;
    await settle();
    expect(states.length).toBe(seen);
  });
});

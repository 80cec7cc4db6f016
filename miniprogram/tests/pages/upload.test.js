const { createUploadController } = require('../../pages/exam/upload/logic');
const { createServices } = require('../../services/index');
const { KEYS } = require('../../utils/session');
const { createFakeWx, flush } = require('../helpers/fake-wx');

function setup(upload = () => 'manual') {
  const wx = createFakeWx({ storage: { [KEYS.phone]: 'p' }, upload });
  const states = [];
  const controller = createUploadController({
    wx,
    services: createServices({ wx }),
    pairingId: 'pr-9',
    onChange: (s) => states.push(s),
  });
  const last = () => states[states.length - 1];
  return { wx, controller, last };
}

const photos = (...names) => ({
  tempFiles: names.map((n) => ({ tempFilePath: `wxfile://${n}.jpg`, thumbTempFilePath: `wxfile://${n}-thumb.jpg`, size: 8e6, fileType: 'image' })),
});

describe('answer-photo upload page', () => {
  test('offers the album as well as the camera, compressed images only (FAQ 21)', async () => {
    const { wx, controller } = setup();
    wx.chooseMediaResult = photos('a');
    await controller.choose();
    expect(wx.calls.chooseMedia[0]).toMatchObject({
      mediaType: ['image'],
      sizeType: ['compressed'],
      sourceType: ['album', 'camera'],
    });
  });

  test('chosen photos are uploaded to the pairing and shown with progress', async () => {
    const { wx, controller, last } = setup();
    wx.chooseMediaResult = photos('a', 'b');
    await expect(controller.choose()).resolves.toEqual({ added: 2 });

    const uploads = wx.calls.uploadFile;
    expect(uploads.map((u) => u.url)).toEqual([
      'https://exam.example.edu.cn/api/v1/pairings/pr-9/photos',
      'https://exam.example.edu.cn/api/v1/pairings/pr-9/photos',
    ]);
    expect(uploads[0].filePath).toBe('wxfile://a.jpg');

    uploads[0].progress(60);
    expect(last().items[0]).toMatchObject({ status: 'uploading', progress: 60, thumb: 'wxfile://a-thumb.jpg' });

    uploads[0].respond(202, { id: 1, status: 'queued' });
    uploads[1].respond(413, { code: 'UPLOAD_TOO_LARGE', message: '图片太大，请换一张', faq: 21 });
    expect(last().summary).toEqual({ done: 1, failed: 1, total: 2 });
    expect(last().items[1]).toMatchObject({ status: 'failed', code: 'UPLOAD_TOO_LARGE', message: '图片太大，请换一张', faq: 21, canRetry: false });
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

  test('retry after a lost login re-logs in and uploads again with the same upload_id', async () => {
    let n = 0;
    const { wx, controller, last } = setup(() => ((n += 1) === 1
      ? { statusCode: 401, data: JSON.stringify({ code: 'TOKEN_EXPIRED', message: '登录已过期', faq: null }) }
      : { statusCode: 202, data: JSON.stringify({ id: 2, status: 'queued' }) }));
    wx.login = ({ success }) => success({ code: 'c' });
    wx.request = (opts) => opts.success({ statusCode: 200, data: { access_token: 'fresh' } });

    wx.chooseMediaResult = photos('a');
    await controller.choose();
    await flush();
    expect(last().items[0]).toMatchObject({ status: 'failed', canRetry: true });

    await controller.retry(last().items[0].id);
    await flush();
    expect(wx.calls.uploadFile).toHaveLength(2);
    expect(wx.calls.uploadFile[1].header.Authorization).toBe('Bearer fresh');
    expect(wx.calls.uploadFile[1].formData.upload_id).toBe(wx.calls.uploadFile[0].formData.upload_id);
    expect(last().items[0].status).toBe('done');
  });
});

// The app-wide answer-photo queue over the real services wiring (session, auth, request) and a
// fake wx whose storage and files outlive one "run" of the app.
const { createFakeWx, flush, json, CATALOGUE } = require('./helpers/fake-wx');

const PHOTO_URL = (id) => `https://exam.example.edu.cn/api/v1/pairings/${id}/photos`;
const KEPT_DIR = 'wxfile://usr/upload-queue/';
const settle = () => flush(25);

// The body the server answers with for `code`, from its own catalogue (an unknown code fails).
function apiBody(code, extra = {}) {
  const entry = CATALOGUE[code];
  if (!entry) throw new Error(`the server has no error code ${code}`);
  return JSON.stringify({ code, message: entry.message, faq: entry.faq, ...extra });
}

// One run of the app: fresh modules (auth's login gate is per app run), the same phone.
function boot({ wx, upload = () => 'manual', storage, files, routes, network, ...queueOptions } = {}) {
  jest.resetModules();
  const { createServices } = require('../services/index');
  const { createAnswerPhotoQueue } = require('../services/uploads');
  const { KEYS } = require('../utils/session');
  const phone = wx || createFakeWx({
    storage: storage || { [KEYS.phone]: 'token-1' },
    files,
    upload,
    routes: routes || { 'POST /api/v1/auth/wechat': () => json(200, { access_token: 'token-2' }) },
  });
  if (network) phone.networkType = network;
  const timers = [];
  const views = [];
  const queue = createAnswerPhotoQueue({
    wx: phone,
    services: createServices({ wx: phone }),
    schedule: (fn, ms) => timers.push({ fn, ms }),
    cancelSchedule: () => {},
    ...queueOptions,
  }).start();
  queue.subscribe(undefined, (list) => views.push(list));
  const fireTimers = () => timers.splice(0).forEach((t) => t.fn());
  return { wx: phone, queue, timers, fireTimers, uploads: phone.calls.uploadFile, KEYS };
}

const camera = (...names) => names.map((n) => ({ filePath: `wxfile://tmp/${n}.jpg`, thumb: `wxfile://tmp/${n}-thumb.jpg` }));

function takePhotos(wx, names, { size = 6e6, width = 4000, height = 3000 } = {}) {
  names.forEach((n) => {
    wx.files[`wxfile://tmp/${n}.jpg`] = { size, width, height, type: 'jpeg' };
  });
  return camera(...names);
}

const keptFiles = (wx) => Object.keys(wx.files).filter((p) => p.startsWith(KEPT_DIR));

describe('persistent answer-photo queue', () => {
  test('survives WeChat killing the app: a fresh run resumes with the same upload_id, nothing is lost, and acked copies are deleted', async () => {
    const first = boot();
    await first.queue.add('7', takePhotos(first.wx, ['a', 'b', 'c']), { question: '3' });
    await settle();
    // Two at a time: a and b are being sent, c waits.
    expect(first.uploads.map((u) => u.url)).toEqual([PHOTO_URL(7), PHOTO_URL(7)]);
    expect(first.uploads[0].filePath.startsWith(KEPT_DIR)).toBe(true);
    first.uploads[0].respond(202, { id: 1, status: 'processing' });
    await settle();
    // a is acknowledged: its copy is gone; b is still in flight when the app is killed.
    expect(keptFiles(first.wx)).toHaveLength(2);
    const bUploadId = first.uploads[1].formData.upload_id;
    const cUploadId = first.uploads[2].formData.upload_id;
    first.queue.stop();

    const second = boot({ storage: first.wx.storage, files: first.wx.files });
    await settle();
    expect(second.uploads.map((u) => u.formData.upload_id)).toEqual([bUploadId, cUploadId]);
    expect(second.queue.list('7').map((i) => [i.question, i.status])).toEqual([
      ['3', 'done'], ['3', 'uploading'], ['3', 'uploading'],
    ]);
    second.uploads.forEach((u, i) => u.respond(202, { id: 2 + i, status: 'processing' }));
    await settle();
    expect(second.queue.list('7').map((i) => i.status)).toEqual(['done', 'done', 'done']);
    expect(keptFiles(second.wx)).toEqual([]);
    // What a third run would read: all done, nothing to send again.
    const stored = second.wx.storage['examcloud.uploadQueue'];
    expect(stored.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    expect(stored.every((r) => !r.filePath)).toBe(true);
  });

  test('a photo is kept and recorded before it is sent, so a kill during the upload loses nothing', async () => {
    const { wx, queue } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    const [record] = wx.storage['examcloud.uploadQueue'];
    expect(record).toMatchObject({ pairingId: '7', status: 'uploading', attempts: 1, error: null });
    expect(record.filePath.startsWith(KEPT_DIR)).toBe(true);
    expect(wx.files[record.filePath]).toBeDefined();
    expect(record.uploadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });

  test('a copy no record points to (killed between copying and recording) is removed at launch', async () => {
    const wx = createFakeWx({ files: { [`${KEPT_DIR}orphan.jpg`]: { size: 1 } } });
    boot({ wx });
    await settle();
    expect(keptFiles(wx)).toEqual([]);
  });

  test('at launch, old finished records go (done after a day, refused after three days, with their copies); unfinished ones stay', async () => {
    const DAY = 24 * 3600 * 1000;
    const t = Date.UTC(2026, 11, 4, 12);
    const rec = (id, status, age, error = null) => ({
      id, uploadId: id, pairingId: '7', filePath: status === 'done' ? '' : `${KEPT_DIR}${id}.jpg`, status, attempts: 1, error, createdAt: t - age, doneAt: status === 'done' ? t - age : 0,
    });
    const tooLarge = { code: 'UPLOAD_TOO_LARGE', message: '上传的文件过大', faq: 21, status: 413 };
    const offline = { code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试', faq: null, status: 0 };
    const records = [
      rec('old-done', 'done', 2 * DAY), rec('new-done', 'done', DAY / 2),
      rec('old-refused', 'failed', 4 * DAY, tooLarge), rec('new-refused', 'failed', DAY, tooLarge),
      rec('old-offline', 'failed', 10 * DAY, offline), rec('old-queued', 'queued', 10 * DAY),
    ];
    const files = {};
    records.filter((r) => r.filePath).forEach((r) => { files[r.filePath] = { size: 1000 }; });
    const { wx, queue } = boot({ storage: { 'examcloud.uploadQueue': records }, files, now: () => t, network: 'none' });
    await settle();
    expect(queue.list('7').map((i) => i.id)).toEqual(['new-done', 'new-refused', 'old-offline', 'old-queued']);
    expect(keptFiles(wx).sort()).toEqual([`${KEPT_DIR}new-refused.jpg`, `${KEPT_DIR}old-offline.jpg`, `${KEPT_DIR}old-queued.jpg`]);
  });

  test('an offline phone waits for the network and sends as soon as it is back', async () => {
    const { wx, queue, uploads, timers } = boot({ network: 'none' });
    await settle();
    await queue.add('7', takePhotos(wx, ['a']));
    await settle();
    expect(uploads).toHaveLength(0);
    expect(queue.list('7')[0].status).toBe('queued');

    wx.setNetwork(true, '4g');
    await settle();
    expect(uploads).toHaveLength(1);
    // Lost again mid-upload: the photo waits for the network, no timer spins.
    wx.setNetwork(false);
    uploads[0].failNetwork('uploadFile:fail network interrupted');
    await settle();
    expect(queue.list('7')[0]).toMatchObject({ status: 'waiting', error: { code: 'NETWORK_ERROR' } });
    expect(timers).toHaveLength(0);
    wx.setNetwork(true, '4g');
    await settle();
    expect(uploads).toHaveLength(2);
    expect(uploads[1].formData.upload_id).toBe(uploads[0].formData.upload_id);
    uploads[1].respond(202, { id: 1 });
    await settle();
    expect(queue.list('7')[0].status).toBe('done');
  });

  test('the network coming back also sends photos whose automatic retries ran out', async () => {
    const { wx, queue, uploads } = boot({ maxAutoRetries: 0 });
    await queue.add('7', takePhotos(wx, ['a']));
    uploads[0].failNetwork();
    await settle();
    expect(queue.list('7')[0]).toMatchObject({ status: 'failed', canRetry: true });
    wx.setNetwork(false);
    wx.setNetwork(true);
    await settle();
    expect(uploads).toHaveLength(2);
  });
});

describe('what is retried', () => {
  test.each([
    ['a network failure or timeout', (u) => u.failNetwork('uploadFile:fail timeout')],
    ['500', (u) => u.respond(500, 'Internal Server Error')],
    ['503', (u) => u.respond(503, '<html>bad gateway</html>')],
  ])('%s is retried after a backoff with the same upload_id', async (_name, answer) => {
    const { wx, queue, uploads, timers, fireTimers } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    answer(uploads[0]);
    await settle();
    expect(queue.list('7')[0].status).toBe('retrying');
    expect(timers).toHaveLength(1);
    expect(timers[0].ms).toBeGreaterThanOrEqual(2000);
    expect(uploads).toHaveLength(1);
    fireTimers();
    await settle();
    expect(uploads).toHaveLength(2);
    expect(uploads[1].formData.upload_id).toBe(uploads[0].formData.upload_id);
  });

  test('429 UPLOAD_RATE_LIMITED waits the server\'s retry_after before sending again', async () => {
    const { wx, queue, uploads, timers } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    uploads[0].respond(429, apiBody('UPLOAD_RATE_LIMITED', { retry_after: 40 }));
    await settle();
    expect(queue.list('7')[0].status).toBe('retrying');
    expect(timers[0].ms).toBeGreaterThanOrEqual(40000);
    expect(timers[0].ms).toBeLessThan(41000);
    // Coming back to the app does not cut the server's wait short.
    queue.pause();
    queue.resume();
    await settle();
    expect(uploads).toHaveLength(1);
    expect(queue.list('7')[0].status).toBe('retrying');
  });

  test('backoff grows and has jitter', () => {
    const { defaultBackoff } = require('../utils/upload-policy');
    expect(defaultBackoff(1, () => 0)).toBe(2000);
    expect(defaultBackoff(3, () => 0)).toBe(8000);
    expect(defaultBackoff(3, () => 0.99)).toBeGreaterThan(11000);
    expect(defaultBackoff(30, () => 0)).toBe(60000);
  });

  test.each([
    [400, 'BAD_REQUEST'],
    [413, 'UPLOAD_TOO_LARGE'],
    [413, 'IMAGE_TOO_LARGE'],
    [415, 'UNSUPPORTED_IMAGE'],
    [422, 'VALIDATION_ERROR'],
  ])('%i %s is final and shows the server\'s message', async (status, code) => {
    const { message, faq } = CATALOGUE[code];
    const { wx, queue, uploads, timers } = boot();
    await queue.add('7', takePhotos(wx, ['a', 'b']));
    uploads[0].respond(status, apiBody(code));
    await settle();
    expect(queue.list('7')[0]).toMatchObject({ status: 'failed', canRetry: false, canDelete: true, error: { code, message, faq, status } });
    expect(timers).toHaveLength(0);
    expect(uploads).toHaveLength(2); // the other photo is not affected
    expect(queue.retry(queue.list('7')[0].id)).toBe(false);
  });

  test.each([
    [409, 'ATTEMPT_SUBMITTED'],
    [410, 'PAIRING_ENDED'],
    [404, 'PAIRING_NOT_FOUND'],
  ])('%i %s ends every queued photo of that pairing with the server\'s message, and only that pairing', async (status, code) => {
    const { message, faq } = CATALOGUE[code];
    const { wx, queue, uploads } = boot({ concurrency: 1 });
    await queue.add('7', takePhotos(wx, ['a', 'b', 'c']));
    await queue.add('8', takePhotos(wx, ['d']));
    uploads[0].respond(status, apiBody(code));
    await settle();
    expect(queue.list('7').map((i) => [i.status, i.error.message, i.canRetry])).toEqual([
      ['failed', message, false], ['failed', message, false], ['failed', message, false],
    ]);
    // Pairing 8 goes on; nothing more is sent for 7.
    expect(uploads.map((u) => u.url)).toEqual([PHOTO_URL(7), PHOTO_URL(8)]);
    expect(queue.list('8')[0].status).toBe('uploading');
    expect(queue.list('7')[0].error).toMatchObject({ code, faq, status });
  });

  test('401 logs the phone in again once and resends with the new token and the same upload_id', async () => {
    const { wx, queue, uploads } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    expect(uploads[0].header.Authorization).toBe('Bearer token-1');
    uploads[0].respond(401, apiBody('TOKEN_EXPIRED'));
    await settle();
    expect(wx.calls.login).toBe(1);
    expect(wx.calls.request.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/auth/wechat']);
    expect(uploads).toHaveLength(2);
    expect(uploads[1].header.Authorization).toBe('Bearer token-2');
    expect(uploads[1].formData.upload_id).toBe(uploads[0].formData.upload_id);
    uploads[1].respond(202, { id: 1 });
    await settle();
    expect(queue.list('7')[0].status).toBe('done');
  });

  test('a second 401 after logging in again is not a loop: the photo fails with the server\'s message', async () => {
    const { wx, queue, uploads } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    uploads[0].respond(401, apiBody('TOKEN_EXPIRED'));
    await settle();
    uploads[1].respond(401, apiBody('TOKEN_INVALID'));
    await settle();
    expect(wx.calls.login).toBe(1);
    expect(uploads).toHaveLength(2);
    expect(queue.list('7')[0]).toMatchObject({ status: 'failed', canRetry: true, error: { code: 'TOKEN_INVALID', message: CATALOGUE.TOKEN_INVALID.message } });
  });
  test('while logins back off, the photo waits as long as the login gate says and is sent again', async () => {
    const { wx, queue, uploads, timers, fireTimers } = boot({
      routes: { 'POST /api/v1/auth/wechat': () => ({ statusCode: 503, data: JSON.parse(apiBody('WECHAT_NOT_CONFIGURED')) }) },
    });
    await queue.add('7', takePhotos(wx, ['a']));
    uploads[0].respond(401, apiBody('TOKEN_EXPIRED'));
    await settle();
    const [a] = queue.list('7');
    expect(a.status).toBe('failed');
    expect(a).toMatchObject({ canRetry: true, error: { status: 401, message: CATALOGUE.WECHAT_NOT_CONFIGURED.message } });
    // Sent again by hand, its 401 meets the login gate's backoff: it waits, no wx.login is made.
    await queue.retry(a.id);
    await settle();
    uploads[1].respond(401, apiBody('TOKEN_EXPIRED'));
    await settle();
    expect(wx.calls.login).toBe(1);
    expect(queue.list('7')[0].status).toBe('retrying');
    expect(timers).toHaveLength(1);
    expect(timers[0].ms).toBeGreaterThan(0);
    fireTimers();
    await settle();
    expect(uploads).toHaveLength(3);
  });
});

describe('retry all and delete', () => {
  test('全部重试 resends every photo that can pass, not the refused one', async () => {
    const { wx, queue, uploads } = boot({ maxAutoRetries: 0, concurrency: 3 });
    await queue.add('7', takePhotos(wx, ['a', 'b', 'c']));
    uploads[0].failNetwork();
    uploads[1].respond(502, '');
    uploads[2].respond(415, apiBody('UNSUPPORTED_IMAGE'));
    await settle();
    expect(queue.list('7').map((i) => i.canRetry)).toEqual([true, true, false]);
    expect(queue.retryAll('7')).toBe(2);
    await settle();
    expect(uploads.slice(3).map((u) => u.formData.upload_id)).toEqual([
      uploads[0].formData.upload_id, uploads[1].formData.upload_id,
    ]);
  });

  test('删除 drops the photo and its copy on the phone; a later run does not send it', async () => {
    const { wx, queue, uploads } = boot({ maxAutoRetries: 0 });
    await queue.add('7', takePhotos(wx, ['a', 'b']));
    uploads[0].respond(413, apiBody('UPLOAD_TOO_LARGE'));
    uploads[1].failNetwork();
    await settle();
    const [a, b] = queue.list('7');
    expect(queue.remove(a.id)).toBe(true);
    expect(queue.remove(b.id)).toBe(true);
    await settle();
    expect(queue.list('7')).toEqual([]);
    expect(keptFiles(wx)).toEqual([]);
    expect(wx.storage['examcloud.uploadQueue']).toEqual([]);

    const next = boot({ storage: wx.storage, files: wx.files });
    await settle();
    expect(next.uploads).toHaveLength(0);
  });

  test('a photo being sent cannot be deleted', async () => {
    const { wx, queue } = boot();
    await queue.add('7', takePhotos(wx, ['a']));
    const [a] = queue.list('7');
    expect(a).toMatchObject({ status: 'uploading', canDelete: false });
    expect(queue.remove(a.id)).toBe(false);
  });
});

describe('compression on the phone', () => {
  test('a 12 MP camera photo is compressed to 1600 px on its long edge, well under 1 MB, before it is kept', async () => {
    const { wx, queue, uploads } = boot();
    await queue.add('7', takePhotos(wx, ['land'], { size: 6e6, width: 4000, height: 3000 }));
    await queue.add('7', takePhotos(wx, ['port'], { size: 6e6, width: 3000, height: 4000 }));
    expect(wx.calls.compressImage.map((c) => [c.src, c.compressedWidth, c.compressedHeight, c.quality])).toEqual([
      ['wxfile://tmp/land.jpg', 1600, undefined, 80],
      ['wxfile://tmp/port.jpg', undefined, 1600, 80],
    ]);
    const sent = uploads.map((u) => wx.files[u.filePath]);
    expect(sent.map((f) => Math.max(f.width, f.height))).toEqual([1600, 1600]);
    expect(sent.every((f) => f.size < 1024 * 1024)).toBe(true);
    // The original (album / camera temp file) is untouched.
    expect(wx.files['wxfile://tmp/land.jpg'].size).toBe(6e6);
    expect(queue.list('7')[0].compressed).toBe(true);
  });

  test('a small photo is never upscaled', async () => {
    const { wx, queue, uploads } = boot();
    await queue.add('7', takePhotos(wx, ['small'], { size: 200000, width: 1200, height: 900 }));
    expect(wx.calls.compressImage[0].compressedWidth).toBeUndefined();
    expect(wx.calls.compressImage[0].compressedHeight).toBeUndefined();
    expect(wx.files[uploads[0].filePath].width).toBe(1200);
  });

  test.each([
    ['compressImage fails (iOS and a PNG)', (wx) => { wx.compressImageFail = 'compressImage:fail unsupported'; }],
    ['compressImage is missing (old base library)', (wx) => { delete wx.compressImage; }],
  ])('the original is uploaded when %s', async (_name, breakIt) => {
    const { wx, queue, uploads } = boot();
    breakIt(wx);
    await queue.add('7', takePhotos(wx, ['a'], { size: 6e6 }));
    expect(uploads).toHaveLength(1);
    expect(uploads[0].filePath.startsWith(KEPT_DIR)).toBe(true);
    expect(wx.files[uploads[0].filePath].size).toBe(6e6);
    expect(queue.list('7')[0].compressed).toBe(false);
    // A big original gets more time than a compressed photo.
    expect(uploads[0].timeout).toBeGreaterThan(120000);
  });

  test('a photo that cannot be read fails with a Chinese message and can be deleted', async () => {
    const { queue, uploads } = boot();
    await queue.add('7', camera('gone'));
    expect(uploads).toHaveLength(0);
    expect(queue.list('7')[0]).toMatchObject({ status: 'failed', canRetry: false, canDelete: true, error: { code: 'PHOTO_READ_FAILED', faq: 21 } });
    expect(queue.list('7')[0].error.message).toMatch(/重新选择/);
  });

  test('two uploads at a time, each with a timeout that fits its size on weak 4G', async () => {
    const { wx, queue, uploads } = boot();
    await queue.add('7', takePhotos(wx, ['a', 'b', 'c']));
    expect(uploads).toHaveLength(2);
    const bytes = wx.files[uploads[0].filePath].size;
    expect(bytes).toBeLessThan(1024 * 1024);
    // At least 16 KB/s plus 15 s to connect, never under 30 s.
    expect(uploads[0].timeout).toBeGreaterThanOrEqual(Math.max(30000, 15000 + (bytes / 16384) * 1000));
    expect(uploads[0].timeout).toBeLessThanOrEqual(120000);
  });
});

const { createUploadQueue, defaultBackoff } = require('../utils/upload-queue');
const { createFakeWx, flush } = require('./helpers/fake-wx');

const URL = 'https://exam.example.edu.cn/api/v1/pairings/p1/photos';

// A queue over a manual fake uploader, with backoff timers the test fires by hand.
function setup(options = {}) {
  const wx = createFakeWx({ upload: () => 'manual' });
  const timers = [];
  const changes = [];
  let n = 0;
  const queue = createUploadQueue({
    uploadFile: (opts) => wx.uploadFile(opts),
    makeUploadId: () => `uid-${(n += 1)}`,
    schedule: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    cancelSchedule: () => {},
    onChange: (list, item) => changes.push(item),
    ...options,
  });
  const fireTimers = () => timers.splice(0).forEach((t) => t.fn());
  return { wx, queue, timers, fireTimers, changes, uploads: wx.calls.uploadFile };
}

describe('upload queue', () => {
  test('never runs more than `concurrency` uploads at once, and starts the next as one ends', async () => {
    const { queue, uploads } = setup({ concurrency: 2 });
    for (let i = 0; i < 5; i += 1) queue.add({ filePath: `/tmp/${i}.jpg`, url: URL });
    expect(uploads).toHaveLength(2);
    expect(queue.activeCount).toBe(2);

    uploads[0].respond(202, { id: 1, status: 'queued' });
    expect(uploads).toHaveLength(3);
    expect(queue.activeCount).toBe(2);

    uploads[1].respond(202, { id: 2, status: 'queued' });
    uploads[2].respond(202, { id: 3, status: 'queued' });
    expect(uploads).toHaveLength(5);
    uploads[3].respond(202, {});
    uploads[4].respond(202, {});
    expect(queue.list().map((i) => i.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  test('defaults to 3 concurrent uploads and never exceeds WeChat\'s 10', () => {
    const a = setup();
    for (let i = 0; i < 6; i += 1) a.queue.add({ filePath: `/tmp/${i}.jpg`, url: URL });
    expect(a.uploads).toHaveLength(3);

    const b = setup({ concurrency: 50 });
    for (let i = 0; i < 12; i += 1) b.queue.add({ filePath: `/tmp/${i}.jpg`, url: URL });
    expect(b.uploads).toHaveLength(10);
  });

  test('sends the file as field "file" with upload_id and the auth header', () => {
    const { queue, uploads } = setup({ getHeader: () => ({ Authorization: 'Bearer t' }) });
    queue.add({ filePath: '/tmp/a.jpg', url: URL });
    expect(uploads[0]).toMatchObject({
      url: URL,
      filePath: '/tmp/a.jpg',
      name: 'file',
      formData: { upload_id: 'uid-1' },
      header: { Authorization: 'Bearer t' },
    });
  });

  test('reports per-item progress from onProgressUpdate, and 100 when done', () => {
    const { queue, uploads } = setup();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].progress(40);
    expect(queue.list()[0]).toMatchObject({ id: item.id, status: 'uploading', progress: 40 });
    uploads[0].progress(85.6);
    expect(queue.list()[0].progress).toBe(86);
    uploads[0].respond(202, { id: 9, status: 'queued' });
    expect(queue.list()[0]).toMatchObject({ status: 'done', progress: 100, result: { id: 9, status: 'queued' } });
  });

  test('a 500 is retried after a backoff with the same upload_id, and a 202 then succeeds', async () => {
    const { queue, uploads, timers, fireTimers } = setup();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(500, { code: 'INTERNAL_ERROR', message: '服务器错误', faq: null });
    expect(queue.list()[0].status).toBe('retrying');
    expect(timers).toHaveLength(1);
    expect(uploads).toHaveLength(1); // nothing before the backoff

    fireTimers();
    expect(uploads).toHaveLength(2);
    expect(uploads[1].formData.upload_id).toBe(uploads[0].formData.upload_id);
    uploads[1].respond(202, { id: 5, status: 'queued' });

    const final = await queue.wait(item.id);
    expect(final).toMatchObject({ status: 'done', attempts: 2, error: null, result: { id: 5, status: 'queued' } });
  });

  test('backoff grows between attempts and gives up after maxRetries', async () => {
    const backoff = jest.fn((attempt) => attempt * 1000);
    const { queue, uploads, timers, fireTimers } = setup({ maxRetries: 2, backoff });
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(503, 'Service Unavailable');
    expect(timers[0].ms).toBe(1000);
    fireTimers();
    uploads[1].respond(503, 'Service Unavailable');
    expect(timers[0].ms).toBe(2000);
    fireTimers();
    uploads[2].respond(503, 'Service Unavailable');
    expect(timers).toHaveLength(0);
    const final = await queue.wait(item.id);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ status: 503, message: '服务器繁忙，请稍后重试' });
    expect(final.canRetry).toBe(true);
    expect(uploads).toHaveLength(3);
  });

  test('a 429 is retried', () => {
    const { queue, uploads, fireTimers } = setup();
    queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(429, { code: 'UPLOAD_RATE_LIMITED', message: '上传过于频繁，请稍后再试', faq: null, retry_after: 5 });
    fireTimers();
    expect(uploads).toHaveLength(2);
  });

  test('a 413 is not retried and its Chinese message is surfaced', async () => {
    const { queue, uploads, timers } = setup();
    const item = queue.add({ filePath: '/tmp/huge.jpg', url: URL });
    uploads[0].respond(413, { code: 'UPLOAD_TOO_LARGE', message: '上传的文件过大', faq: 21 });
    const final = await queue.wait(item.id);
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'UPLOAD_TOO_LARGE', message: '上传的文件过大', faq: 21, status: 413 });
    expect(final.canRetry).toBe(false);
    expect(timers).toHaveLength(0);
    expect(uploads).toHaveLength(1);
  });

  test('`success` with statusCode 415 is a failure, not a success', async () => {
    const { queue, uploads } = setup();
    const item = queue.add({ filePath: '/tmp/a.heic', url: URL });
    uploads[0].respond(415, { code: 'UNSUPPORTED_IMAGE', message: '仅支持 JPG、PNG、WebP、HEIC 格式的照片', faq: 21 });
    const final = await queue.wait(item.id);
    expect(final.status).toBe('failed');
    expect(final.result).toBeNull();
    expect(final.error.code).toBe('UNSUPPORTED_IMAGE');
    expect(uploads).toHaveLength(1);
  });

  // What POST /pairings/{id}/photos (and /snapshots) really answer once the pairing is over;
  // PAIRING_EXPIRED and PAIRING_USED belong to redeeming a code, never to an upload.
  test.each([
    [410, 'PAIRING_ENDED', '手机与电脑的连接已解除，无法继续上传；如需上传，请在电脑上刷新二维码后重新扫码'],
    [409, 'ATTEMPT_SUBMITTED', '本场考试已交卷，不能继续作答。断电断网超过30分钟或考试结束时系统会自动交卷，成绩仍然有效'],
    [404, 'PAIRING_NOT_FOUND', '二维码无效，请在电脑上切换题目或刷新后重新扫码'],
  ])('a %i %s is final', async (status, code, message) => {
    const { queue, uploads, timers } = setup();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(status, { code, message, faq: null });
    const final = await queue.wait(item.id);
    expect(final).toMatchObject({ status: 'failed', error: { code, message, status } });
    expect(timers).toHaveLength(0);
  });

  test('a network `fail` is retried and can then succeed', async () => {
    const { queue, uploads, fireTimers } = setup();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].progress(30);
    uploads[0].failNetwork('uploadFile:fail timeout');
    expect(queue.list()[0]).toMatchObject({ status: 'retrying', error: { code: 'NETWORK_ERROR', status: 0 } });
    fireTimers();
    expect(queue.list()[0].progress).toBe(0); // a fresh attempt starts from zero
    uploads[1].respond(202, { id: 1, status: 'queued' });
    await expect(queue.wait(item.id)).resolves.toMatchObject({ status: 'done', attempts: 2 });
  });

  test('a slot is free while an item waits for its backoff', () => {
    const { queue, uploads } = setup({ concurrency: 1 });
    queue.add({ filePath: '/tmp/a.jpg', url: URL });
    queue.add({ filePath: '/tmp/b.jpg', url: URL });
    uploads[0].failNetwork();
    expect(uploads).toHaveLength(2);
    expect(uploads[1].filePath).toBe('/tmp/b.jpg');
  });

  test('a manual retry after a final failure keeps the upload_id', async () => {
    const { queue, uploads, fireTimers } = setup({ maxRetries: 0 });
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].failNetwork();
    fireTimers();
    expect((await queue.wait(item.id)).status).toBe('failed');

    expect(queue.retry(item.id)).toBe(true);
    expect(uploads).toHaveLength(2);
    expect(uploads[1].formData.upload_id).toBe('uid-1');
    uploads[1].respond(202, {});
    await expect(queue.wait(item.id)).resolves.toMatchObject({ status: 'done' });
  });

  test('a done item cannot be retried (no duplicate upload)', () => {
    const { queue, uploads } = setup();
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(202, {});
    expect(queue.retry(item.id)).toBe(false);
    expect(uploads).toHaveLength(1);
  });

  test('each item gets its own upload_id', () => {
    const { queue, uploads } = setup({ makeUploadId: undefined });
    queue.add({ filePath: '/tmp/a.jpg', url: URL });
    queue.add({ filePath: '/tmp/b.jpg', url: URL });
    const [a, b] = uploads.map((u) => u.formData.upload_id);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  test('pause holds queued items until resume', () => {
    const { queue, uploads } = setup({ concurrency: 1 });
    queue.add({ filePath: '/tmp/a.jpg', url: URL });
    queue.add({ filePath: '/tmp/b.jpg', url: URL });
    queue.pause();
    uploads[0].respond(202, {});
    expect(uploads).toHaveLength(1);
    queue.resume();
    expect(uploads).toHaveLength(2);
  });

  test('onError sees every failed attempt (used to drop an expired token on 401)', async () => {
    const onError = jest.fn();
    const { queue, uploads } = setup({ onError });
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    uploads[0].respond(401, { code: 'TOKEN_EXPIRED', message: '登录已过期', faq: null });
    const final = await queue.wait(item.id);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ status: 401 }), expect.objectContaining({ id: item.id }));
    expect(final).toMatchObject({ status: 'failed', canRetry: true });
  });

  test('the default backoff doubles from 1 s and is capped at about 30 s', () => {
    expect(defaultBackoff(1)).toBeGreaterThanOrEqual(1000);
    expect(defaultBackoff(1)).toBeLessThan(1300);
    expect(defaultBackoff(3)).toBeGreaterThanOrEqual(4000);
    expect(defaultBackoff(3)).toBeLessThan(4300);
    expect(defaultBackoff(20)).toBeLessThan(30300);
  });

  test('retries on real timers end to end', async () => {
    const wx = createFakeWx({ upload: (() => { let n = 0; return () => ((n += 1) === 1 ? { statusCode: 500, data: '' } : { statusCode: 202, data: '{"id":1}' }); })() });
    const queue = createUploadQueue({ uploadFile: (o) => wx.uploadFile(o), backoff: () => 0 });
    const item = queue.add({ filePath: '/tmp/a.jpg', url: URL });
    await flush();
    await expect(queue.wait(item.id)).resolves.toMatchObject({ status: 'done', result: { id: 1 } });
  });
});

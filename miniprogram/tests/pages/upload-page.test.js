// The answer-photo page mounted from its real WXML/WXSS/JSON (tests/helpers/page.js) over the
// app's queue (the real app.js, launched with a fake wx): what the candidate sees and taps.
const { mountPage } = require('../helpers/page');
const { createFakeWx, flush, serverError, CATALOGUE } = require('../helpers/fake-wx');

const settle = () => flush(25);
const TOO_LARGE = JSON.stringify(serverError(413, 'UPLOAD_TOO_LARGE').data);

function launch({ upload = () => 'manual', routes = {} } = {}) {
  const wx = createFakeWx({ storage: { 'examcloud.phoneToken': 't' }, upload, routes });
  let definition;
  global.wx = wx;
  global.App = (def) => {
    definition = def;
  };
  jest.isolateModules(() => {
    require('../../app');
  });
  const app = { ...definition };
  global.getApp = () => app;
  app.onLaunch({});
  app.onShow({});
  return { wx, app };
}

function openPage(wx, pairingId = '7', question = '3') {
  const page = mountPage('pages/exam/upload/index', { wx });
  page.load({ pairing_id: pairingId, attempt_id: '1', question });
  return page;
}

const photos = (...names) => ({
  tempFiles: names.map((n) => ({ tempFilePath: `wxfile://tmp/${n}.jpg`, thumbTempFilePath: `wxfile://tmp/${n}-t.jpg`, size: 6e6, fileType: 'image' })),
});

// Each rendered <upload-item>: its status line, failure reason and action buttons.
function rows(page) {
  return page.all('upload-item').map((item) => {
    const q = (sel) => {
      const node = item.querySelector(sel);
      return node ? node.dom.textContent.trim() : null;
    };
    return {
      node: item,
      status: q('.upload-item__status'),
      reason: q('.upload-item__reason'),
      retry: q('.upload-item__retry'),
      del: q('.upload-item__delete'),
    };
  });
}

async function choose(page, wx, ...names) {
  wx.chooseMediaResult = photos(...names);
  await page.tapButton('拍照或从相册选择');
  await settle();
}

afterEach(() => {
  const app = global.getApp && global.getApp();
  if (app && app.uploads) app.uploads.stop();
  delete global.App;
  delete global.getApp;
  delete global.wx;
});

describe('answer-photo upload page (real WXML)', () => {
  test('chosen photos are compressed, listed with progress, and read 已上传 once the server has them', async () => {
    const { wx } = launch();
    const page = openPage(wx);
    expect(page.text('.title')).toBe('第 3 题 · 答题照片');
    await choose(page, wx, 'a', 'b');

    expect(wx.calls.compressImage.map((c) => c.compressedWidth)).toEqual([1600, 1600]);
    expect(rows(page).map((r) => r.status)).toEqual(['上传中 0%', '上传中 0%']);
    wx.calls.uploadFile[0].progress(40);
    await settle();
    expect(rows(page)[0].status).toBe('上传中 40%');

    wx.calls.uploadFile[0].respond(202, { id: 1, status: 'processing' });
    await settle();
    expect(rows(page).map((r) => r.status)).toEqual(['已上传', '上传中 0%']);
    expect(page.text('.summary__text')).toBe('已上传 1 / 2 张');
  });

  test('a refused photo shows the server\'s message with no retry, and 删除 removes it', async () => {
    const { wx, app } = launch();
    const page = openPage(wx);
    await choose(page, wx, 'a');
    wx.calls.uploadFile[0].respond(413, TOO_LARGE);
    await settle();
    const [row] = rows(page);
    expect(row).toMatchObject({ status: '上传失败', reason: `${CATALOGUE.UPLOAD_TOO_LARGE.message}（常见问题 FAQ 21）`, retry: null, del: '删除' });
    expect(page.exists('.summary__retry-all')).toBe(false);

    row.node.querySelector('.upload-item__delete').dispatchEvent('tap');
    await settle();
    expect(rows(page)).toEqual([]);
    expect(app.uploads.list('7')).toEqual([]);
  });

  test('once the server says the exam was handed in, the page says so and offers no more uploads', async () => {
    const { wx } = launch();
    const page = openPage(wx);
    await choose(page, wx, 'a', 'b', 'c');
    const submitted = JSON.stringify(serverError(409, 'ATTEMPT_SUBMITTED').data);
    wx.calls.uploadFile[0].respond(409, submitted);
    await settle();
    // The photo already on its way hears the same; the waiting one is not sent at all.
    expect(rows(page).map((r) => r.status)).toEqual(['上传失败', '上传中 0%', '上传失败']);
    wx.calls.uploadFile[1].respond(409, submitted);
    await settle();
    const { message } = CATALOGUE.ATTEMPT_SUBMITTED;
    expect(rows(page).map((r) => [r.status, r.retry, r.del])).toEqual([
      ['上传失败', null, '删除'], ['上传失败', null, '删除'], ['上传失败', null, '删除'],
    ]);
    expect(rows(page)[2].reason).toContain(message);
    expect(page.text('error-notice')).toContain(message);
    expect(page.button('拍照或从相册选择')).toBeNull();
    expect(wx.calls.uploadFile).toHaveLength(2); // the third photo is never sent
  });

  test('全部重试 sends again every photo worth retrying, with the same upload_id', async () => {
    const expired = { statusCode: 401, data: JSON.stringify(serverError(401, 'TOKEN_EXPIRED').data) };
    let calls = 0;
    const { wx } = launch({
      // Refused even after logging in again once: the photos fail, worth a manual retry.
      upload: () => ((calls += 1) <= 4 ? expired : 'manual'),
      routes: { 'POST /api/v1/auth/wechat': () => ({ statusCode: 200, data: { access_token: 'fresh' } }) },
    });
    const page = openPage(wx);
    await choose(page, wx, 'a', 'b');
    expect(rows(page).map((r) => [r.status, r.reason, r.retry])).toEqual([
      ['上传失败', CATALOGUE.TOKEN_EXPIRED.message, '重试'],
      ['上传失败', CATALOGUE.TOKEN_EXPIRED.message, '重试'],
    ]);
    expect(page.text('.summary__retry-all')).toBe('全部重试');

    await page.tap('.summary__retry-all');
    await settle();
    const sent = wx.calls.uploadFile;
    expect(sent).toHaveLength(6);
    const ids = (list) => [...new Set(list.map((u) => u.formData.upload_id))].sort();
    expect(ids(sent.slice(0, 4))).toHaveLength(2);
    expect(ids(sent.slice(4))).toEqual(ids(sent.slice(0, 4)));
    expect(sent[4].header.Authorization).toBe('Bearer fresh');
    expect(rows(page).map((r) => r.status)).toEqual(['上传中 0%', '上传中 0%']);
    expect(page.exists('.summary__retry-all')).toBe(false);
  });

  test('a new user is asked for privacy consent first: 同意 opens the album, 拒绝 says why photos cannot be taken', async () => {
    const { wx } = launch();
    wx.privacyNeeded = true;
    const page = openPage(wx);
    await settle();
    wx.chooseMediaResult = photos('a');
    await page.tapButton('拍照或从相册选择');
    page.node('privacy-popup').querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(wx.calls.chooseMedia).toHaveLength(0);
    expect(page.text('error-notice')).toMatch(/未同意《隐私保护指引》/);

    await page.tapButton('拍照或从相册选择');
    page.node('privacy-popup').querySelector('.privacy-popup__agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(wx.calls.chooseMedia).toHaveLength(1);
    expect(wx.calls.uploadFile).toHaveLength(1);
    expect(page.data.error).toBeNull();
  });

  test('the page lifecycle only connects the view: uploads go on after onUnload and a re-scan shows them', async () => {
    const { wx } = launch();
    const page = openPage(wx);
    await choose(page, wx, 'a');
    page.hide();
    page.show();
    page.unload();
    wx.calls.uploadFile[0].respond(202, { id: 1, status: 'processing' });
    await settle();

    // A re-scan opens the page again (reLaunch): the same pairing's photo is there, done.
    const again = openPage(wx);
    expect(rows(again).map((r) => r.status)).toEqual(['已上传']);
    // Another pairing's page does not show it.
    const other = openPage(wx, '8', '4');
    expect(rows(other)).toEqual([]);
  });

  test('a hidden page is not redrawn; shown again it catches up', async () => {
    const { wx } = launch();
    const page = openPage(wx);
    await choose(page, wx, 'a');
    page.hide();
    wx.calls.uploadFile[0].respond(202, { id: 1 });
    await settle();
    expect(page.data.items[0].status).toBe('uploading');
    page.show();
    await settle();
    expect(rows(page).map((r) => r.status)).toEqual(['已上传']);
  });
});

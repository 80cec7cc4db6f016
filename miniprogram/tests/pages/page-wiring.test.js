// The upload page's Page({...}), run with a stub Page() and a fake global wx. The other pages are
// tested through their real templates (tests/helpers/page.js: *-pages.test.js, second-camera-page).
const { createFakeWx, flush, json, apiError } = require('../helpers/fake-wx');
const { KEYS } = require('../../utils/session');

function loadPage(modulePath, wx) {
  let definition;
  global.wx = wx;
  global.Page = (def) => {
    definition = def;
  };
  jest.isolateModules(() => {
    require(modulePath);
  });
  const page = { ...definition, data: JSON.parse(JSON.stringify(definition.data)) };
  page.setData = (patch) => Object.assign(page.data, patch);
  return page;
}

afterEach(() => {
  delete global.wx;
  delete global.Page;
});

describe('pages wired to the global wx', () => {
  test('upload page: chosen photos appear in the list with their status', async () => {
    const wx = createFakeWx({ storage: { [KEYS.phone]: 't' }, upload: () => ({ statusCode: 202, data: '{"id":1,"status":"queued"}' }) });
    wx.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://a.jpg', size: 1 }] };
    const page = loadPage('../../pages/exam/upload/index', wx);
    page.onLoad({ pairing_id: '5', question: '2' });
    await page.onChoose();
    await flush();
    expect(page.data.question).toBe('2');
    expect(page.data.items).toEqual([expect.objectContaining({ status: 'done', progress: 100 })]);
    expect(page.data.summary).toEqual({ done: 1, failed: 0, total: 1 });
  });

  test('upload page: 结束配对 ends the pairing on the server and stops offering uploads', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.phone]: 't' },
      routes: { 'DELETE /api/v1/pairings/5': () => json(204, '') },
    });
    const page = loadPage('../../pages/exam/upload/index', wx);
    page.onLoad({ pairing_id: '5', question: '2' });
    await page.onUnpair();
    expect(wx.calls.request).toEqual([expect.objectContaining({ method: 'DELETE', path: '/api/v1/pairings/5' })]);
    expect(wx.calls.request[0].header.Authorization).toBe('Bearer t');
    expect(page.data.ended).toBe(true);
    expect(page.data.error.message).toMatch(/重新扫码/);
  });

  test('upload page: a failed 结束配对 says why and keeps the page usable', async () => {
    const wx = createFakeWx({
      storage: { [KEYS.phone]: 't' },
      routes: { 'DELETE /api/v1/pairings/5': () => apiError(404, 'PAIRING_NOT_FOUND', '二维码无效', 22) },
    });
    const page = loadPage('../../pages/exam/upload/index', wx);
    page.onLoad({ pairing_id: '5', question: '2' });
    await page.onUnpair();
    expect(page.data.ended).toBe(false);
    expect(page.data.error).toMatchObject({ code: 'PAIRING_NOT_FOUND' });
  });

  test('upload page without a pairing says to scan again', () => {
    const page = loadPage('../../pages/exam/upload/index', createFakeWx());
    page.onLoad({});
    expect(page.data.error.message).toMatch(/重新扫描/);
  });
});

// The candidate login, ID photo and my-requests pages from their real templates.
const { mountPage, settle } = require('../helpers/page');
const { createFakeWx, json, serverError, CATALOGUE } = require('../helpers/fake-wx');
const { KEYS } = require('../../utils/session');

const LOGGED_IN = { [KEYS.candidate]: 'c', [KEYS.candidateUser]: { name: '王五' } };

async function type(page, index, value) {
  page.all('.input')[index].dispatchEvent('input', { detail: { value } });
  await settle();
}

describe('login page', () => {
  test('typing and 登录 logs the candidate in and goes where it was asked', async () => {
    const wx = createFakeWx({ routes: { 'POST /api/v1/auth/login': () => json(200, { access_token: 'c', role: 'candidate', user: { name: '王五' } }) } });
    const page = mountPage('pages/auth/login/index', { wx });
    page.load({ redirect: encodeURIComponent('/pages/profile/requests/index') });
    await type(page, 0, ' 2023001 ');
    await type(page, 1, '12345X');
    await page.tapButton('登录');
    expect(wx.calls.request[0].data).toEqual({ username: '2023001', password: '12345X' });
    expect(wx.calls.redirectTo).toEqual(['/pages/profile/requests/index']);
  });

  test('a wrong password shows the server message with its FAQ and stays', async () => {
    const wx = createFakeWx({ routes: { 'POST /api/v1/auth/login': () => serverError(401, 'INVALID_CREDENTIALS') } });
    const page = mountPage('pages/auth/login/index', { wx });
    page.load({});
    await type(page, 0, 'S1');
    await type(page, 1, 'x');
    await page.tapButton('登录');
    expect(page.text('error-notice')).toContain(CATALOGUE.INVALID_CREDENTIALS.message);
    expect(page.text('error-notice')).toContain('FAQ 12');
    expect(wx.calls.redirectTo).toEqual([]);
  });

  test('empty fields are refused on the phone', async () => {
    const wx = createFakeWx();
    const page = mountPage('pages/auth/login/index', { wx });
    page.load({});
    await page.tapButton('登录');
    expect(page.text('error-notice')).toContain('请输入学号或身份证号');
    expect(wx.calls.request).toEqual([]);
  });
});

describe('ID photo page', () => {
  test('a logged-out student is sent to the login page', () => {
    const wx = createFakeWx();
    mountPage('pages/profile/id-photo/index', { wx }).load();
    expect(wx.calls.redirectTo).toEqual(['/pages/auth/login/index?redirect=%2Fpages%2Fprofile%2Fid-photo%2Findex']);
  });

  test('choose a photo, see it, submit: a toast and the requests page', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN, upload: () => ({ statusCode: 202, data: '{"id":8,"status":"pending"}' }) });
    wx.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://id.jpg', size: 3e6 }] };
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    await settle();
    expect(page.text('.title')).toBe('申请更新底照（王五）');
    expect(page.exists('.preview')).toBe(false);
    await page.tapButton('从相册选择或拍照');
    expect(page.exists('.preview')).toBe(true);
    expect(page.button('重新选择')).not.toBeNull();
    await page.tapButton('提交审核');
    expect(wx.calls.uploadFile[0]).toMatchObject({ filePath: 'wxfile://id.jpg', path: '/api/v1/me/base-photo-requests' });
    expect(wx.calls.toast).toEqual(['已提交，等待老师审核']);
    expect(wx.calls.redirectTo).toEqual(['/pages/profile/requests/index']);
  });

  test('a refused photo shows the server reason and stays', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN, upload: () => serverError(415, 'UNSUPPORTED_IMAGE') });
    wx.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://id.heic', size: 3e6 }] };
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    await page.tapButton('从相册选择或拍照');
    await page.tapButton('提交审核');
    await settle();
    expect(page.text('error-notice')).toContain(CATALOGUE.UNSUPPORTED_IMAGE.message);
    expect(wx.calls.redirectTo).toEqual([]);
  });

  test('a new user is asked for privacy consent; 同意 lets the album open', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN });
    wx.privacyNeeded = true;
    wx.chooseMediaResult = { tempFiles: [{ tempFilePath: 'wxfile://id.jpg', size: 3e6 }] };
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    await settle();
    const popup = page.node('privacy-popup');
    expect(popup.querySelector('.privacy-popup__dialog')).toBeTruthy(); // shown on arrival
    await page.tapButton('从相册选择或拍照');
    expect(wx.calls.chooseMedia).toHaveLength(0); // waits for the answer
    popup.querySelector('.privacy-popup__agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(wx.calls.chooseMedia).toHaveLength(1);
    expect(page.exists('.preview')).toBe(true);
  });

  test('拒绝: no album, and the page says photos need consent', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN });
    wx.privacyNeeded = true;
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    await settle();
    await page.tapButton('从相册选择或拍照');
    page.node('privacy-popup').querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(wx.calls.chooseMedia).toHaveLength(0);
    expect(page.text('error-notice')).toMatch(/未同意《隐私保护指引》.*无法使用相机拍照或从相册选择照片/);
  });
});

describe('my requests page', () => {
  test('lists the requests with their Chinese status and the teacher note', async () => {
    const wx = createFakeWx({
      storage: LOGGED_IN,
      routes: {
        'GET /api/v1/me/base-photo-requests': () => json(200, [
          { id: 1, status: 'pending', created_at: '2024-05-03T09:15:00+08:00', decided_at: null },
          { id: 2, status: 'rejected', created_at: '2024-05-04T10:00:00+08:00', decided_at: '2024-05-04T11:00:00+08:00', decision_note: '照片模糊' },
        ]),
      },
    });
    const page = mountPage('pages/profile/requests/index', { wx });
    page.load();
    await settle();
    expect(page.all('.tag').map((t) => t.dom.textContent)).toEqual(['已驳回', '待审核']);
    expect(page.text('.request')).toContain('老师备注：照片模糊');
    expect(page.exists('.center')).toBe(false);
  });

  test('none yet: says so', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN, routes: { 'GET /api/v1/me/base-photo-requests': () => json(200, []) } });
    const page = mountPage('pages/profile/requests/index', { wx });
    page.load();
    await settle();
    expect(page.text('.card')).toBe('还没有提交过底照申请');
  });

  test('an expired login goes back to the login page', async () => {
    const wx = createFakeWx({ storage: LOGGED_IN, routes: { 'GET /api/v1/me/base-photo-requests': () => serverError(401, 'TOKEN_EXPIRED') } });
    const page = mountPage('pages/profile/requests/index', { wx });
    page.load();
    await settle();
    expect(wx.calls.redirectTo).toEqual(['/pages/auth/login/index?redirect=%2Fpages%2Fprofile%2Frequests%2Findex']);
  });

  test('pull to refresh loads again and stops the spinner', async () => {
    let n = 0;
    const wx = createFakeWx({ storage: LOGGED_IN, routes: { 'GET /api/v1/me/base-photo-requests': () => json(200, (n += 1) === 1 ? [] : [{ id: 1, status: 'approved', created_at: null }]) } });
    const page = mountPage('pages/profile/requests/index', { wx });
    page.load();
    await settle();
    await page.instance.onPullDownRefresh();
    await settle();
    expect(page.all('.tag').map((t) => t.dom.textContent)).toEqual(['已通过']);
    expect(wx.calls.stopPullDownRefresh).toBe(1);
  });
});

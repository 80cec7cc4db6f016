// WeChat privacy consent: utils/privacy.js and the <privacy-popup> component on a real page.
const { createFakeWx } = require('./helpers/fake-wx');
const { mountPage, settle } = require('./helpers/page');

function freshPrivacy() {
  let privacy;
  jest.isolateModules(() => {
    privacy = require('../utils/privacy');
  });
  return privacy;
}

describe('utils/privacy', () => {
  test('registers the WeChat listener once however many popups attach', () => {
    const privacy = freshPrivacy();
    const wx = createFakeWx();
    const spy = jest.spyOn(wx, 'onNeedPrivacyAuthorization');
    privacy.register(wx);
    privacy.register(wx);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  test('the newest popup is asked, and its answer reaches the waiting API with the button id', async () => {
    const privacy = freshPrivacy();
    const wx = createFakeWx();
    wx.privacyNeeded = true;
    privacy.register(wx);
    const older = { open: jest.fn() };
    const newer = { open: jest.fn() };
    privacy.subscribe(older);
    const unsubscribe = privacy.subscribe(newer);
    const agreed = privacy.requireAuthorization(wx);
    await settle();
    expect(newer.open).toHaveBeenCalledWith({ referrer: 'requirePrivacyAuthorize' });
    expect(older.open).not.toHaveBeenCalled();
    expect(privacy.answer('agree', 'agree-btn')).toBe(true);
    await expect(agreed).resolves.toBe(true);
    expect(wx.privacyAgreedWith).toBe('agree-btn');
    unsubscribe();
    expect(privacy.answer('agree', 'x')).toBe(false); // nothing waits any more
  });

  test('with no popup on the page the request is refused rather than left hanging', async () => {
    const privacy = freshPrivacy();
    const wx = createFakeWx();
    wx.privacyNeeded = true;
    privacy.register(wx);
    await expect(privacy.requireAuthorization(wx)).resolves.toBe(false);
  });

  test('an old WeChat without the privacy APIs is not blocked', async () => {
    const privacy = freshPrivacy();
    const wx = createFakeWx();
    delete wx.getPrivacySetting;
    delete wx.requirePrivacyAuthorize;
    await expect(privacy.ensureConsent(wx)).resolves.toBe(true);
  });

  test('recognises a refused API call', () => {
    const privacy = freshPrivacy();
    expect(privacy.isPrivacyRefusal({ errno: 104, errMsg: 'chooseMedia:fail privacy permission is not authorized' })).toBe(true);
    expect(privacy.isPrivacyRefusal({ errMsg: 'chooseMedia:fail cancel' })).toBe(false);
  });
});

describe('privacy popup', () => {
  function open() {
    const wx = createFakeWx({ storage: { 'examcloud.candidateToken': 'c' } });
    wx.privacyNeeded = true;
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    return { wx, page };
  }

  test('says what is collected and why, names the guide and offers 拒绝 / 同意', async () => {
    const { page } = open();
    await settle();
    const popup = page.node('privacy-popup');
    const body = popup.querySelector('.privacy-popup__body').dom.textContent;
    expect(body).toMatch(/相机和相册/);
    expect(body).toMatch(/答题照片/);
    expect(body).toMatch(/第二机位/);
    expect(popup.querySelector('.privacy-popup__link').dom.textContent).toBe('阅读完整的《考试云隐私保护指引》');
    expect(popup.querySelector('.privacy-popup__disagree').dom.textContent.trim()).toBe('拒绝');
    expect(popup.querySelector('.privacy-popup__agree').dom.textContent.trim()).toBe('同意');
  });

  test('the guide link opens the privacy contract', async () => {
    const { wx, page } = open();
    await settle();
    page.node('privacy-popup').querySelector('.privacy-popup__link').dispatchEvent('tap');
    await settle();
    expect(wx.calls.privacy).toContain('openPrivacyContract');
  });

  test('after 拒绝 it explains and can be opened again to agree', async () => {
    const { page } = open();
    await settle();
    const popup = page.node('privacy-popup');
    popup.querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(popup.querySelector('.privacy-popup__dialog')).toBeUndefined();
    expect(popup.querySelector('.privacy-popup__refused-text').dom.textContent).toMatch(/无法使用相机拍照或从相册选择照片/);
    popup.querySelector('.privacy-popup__review').dispatchEvent('tap');
    await settle();
    expect(popup.querySelector('.privacy-popup__dialog')).toBeTruthy();
  });

  test('a user who already agreed never sees it', async () => {
    const wx = createFakeWx({ storage: { 'examcloud.candidateToken': 'c' } });
    const page = mountPage('pages/profile/id-photo/index', { wx });
    page.load();
    await settle();
    expect(page.node('privacy-popup').querySelector('.privacy-popup__dialog')).toBeUndefined();
  });
});

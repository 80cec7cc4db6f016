// WeChat privacy authorization ("__usePrivacyCheck__": true in app.json). Until the user agrees
// to the privacy guide, chooseMedia and the <camera> are refused. WeChat asks through
// wx.onNeedPrivacyAuthorization(resolve): the page's <privacy-popup> shows our text and its
// 同意 button (open-type="agreePrivacyAuthorization") records the consent; we then call
// resolve({event: 'agree', buttonId}) or resolve({event: 'disagree'}) so the waiting API
// carries on or fails.
//
// One listener for the whole mini program (WeChat keeps only the last one registered), kept by
// this module; popups subscribe while attached and the newest one (the top page's) answers.

const REFUSED_MESSAGE =
  '你未同意《隐私保护指引》，考试云无法使用相机拍照或从相册选择照片，答题照片和第二机位都不能使用。如需使用，请点击“查看并同意”。';

// What a page shows when a photo cannot be taken for want of consent.
const REFUSED_NOTICE = { code: 'PRIVACY_NOT_AGREED', message: REFUSED_MESSAGE, faq: null };

const state = { registeredOn: null, pending: null, popups: [] };

function register(wxApi) {
  if (state.registeredOn === wxApi || typeof wxApi.onNeedPrivacyAuthorization !== 'function') return;
  state.registeredOn = wxApi;
  wxApi.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    const popup = state.popups[state.popups.length - 1];
    if (!popup) {
      // No page here can ask: refuse, so the API fails now instead of waiting forever.
      resolve({ event: 'disagree' });
      return;
    }
    state.pending = resolve;
    popup.open(eventInfo || {});
  });
}

// popup: {open(eventInfo)}. Returns the unsubscribe function.
function subscribe(popup) {
  state.popups.push(popup);
  return () => {
    state.popups = state.popups.filter((p) => p !== popup);
  };
}

// The user's answer from the popup. Returns whether a waiting API was told.
function answer(event, buttonId) {
  const resolve = state.pending;
  state.pending = null;
  if (!resolve) return false;
  resolve(event === 'agree' ? { event: 'agree', buttonId } : { event: 'disagree' });
  return true;
}

// {needed, contractName}: whether the user still has to agree (false on a WeChat too old to ask).
function check(wxApi) {
  return new Promise((resolve) => {
    if (typeof wxApi.getPrivacySetting !== 'function') {
      resolve({ needed: false, contractName: '' });
      return;
    }
    wxApi.getPrivacySetting({
      success: (res) => resolve({ needed: !!res.needAuthorization, contractName: res.privacyContractName || '' }),
      fail: () => resolve({ needed: false, contractName: '' }),
    });
  });
}

// Asks now (the popup opens through onNeedPrivacyAuthorization). Resolves true once agreed.
function requireAuthorization(wxApi) {
  return new Promise((resolve) => {
    if (typeof wxApi.requirePrivacyAuthorize !== 'function') {
      resolve(true);
      return;
    }
    wxApi.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) });
  });
}

// Before chooseMedia or the camera: resolves true when consent is there or was just given.
async function ensureConsent(wxApi) {
  const { needed } = await check(wxApi);
  return needed ? requireAuthorization(wxApi) : true;
}

function openContract(wxApi) {
  if (typeof wxApi.openPrivacyContract === 'function') wxApi.openPrivacyContract({ fail() {} });
}

// A wx API refused for want of consent (errno 104, "privacy permission is not authorized").
function isPrivacyRefusal(res) {
  return !!res && (res.errno === 104 || /privacy/i.test(res.errMsg || ''));
}

module.exports = {
  register,
  subscribe,
  answer,
  check,
  requireAuthorization,
  ensureConsent,
  openContract,
  isPrivacyRefusal,
  REFUSED_MESSAGE,
  REFUSED_NOTICE,
};

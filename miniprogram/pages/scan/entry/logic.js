const { decodeScene } = require('../../../utils/scene');
const { ApiError, toNotice, catalogueNotice } = require('../../../utils/errors');
const { scanForScene, invalidCode } = require('../../../utils/scan');

// The server's own words for the pairing codes (config/error-catalogue.js), for pages that say
// them without a server answer in hand (e.g. after ending a pairing themselves).
const PAIRING_MESSAGES = {};
['PAIRING_EXPIRED', 'PAIRING_USED', 'PAIRING_NOT_FOUND', 'PAIRING_ENDED'].forEach((code) => {
  PAIRING_MESSAGES[code] = catalogueNotice(code).message;
});

const TARGET_PAGES = {
  answer_photo: '/pages/exam/upload/index',
  second_camera: '/pages/exam/second-camera/index',
};

function targetUrl(pairing) {
  const page = TARGET_PAGES[pairing.purpose];
  if (!page) return null;
  const query = [
    `pairing_id=${encodeURIComponent(pairing.pairingId)}`,
    `attempt_id=${encodeURIComponent(pairing.attemptId)}`,
    `question=${encodeURIComponent(pairing.question || '')}`,
  ].join('&');
  return `${page}?${query}`;
}

function redirect(wxApi, url) {
  return new Promise((resolve, reject) => {
    wxApi.redirectTo({
      url,
      success: resolve,
      fail: () => reject(new ApiError({ code: 'NAVIGATION_FAILED', message: '页面打开失败，请重新扫码' })),
    });
  });
}

// scene → phone login → redeem the pairing → redirect by purpose.
// Resolves {ok: true, url} after redirecting, or {ok: false, error} (a notice to show) otherwise.
async function enter(options, { wx, auth, pairing }) {
  const scene = decodeScene(options);
  if (!scene) return { ok: false, error: toNotice(invalidCode()) };
  try {
    await auth.ensurePhoneLogin();
    let paired;
    try {
      paired = await pairing.redeem(scene);
    } catch (err) {
      // The stored phone session had expired (request.js cleared it): log in again, once.
      if (err.status !== 401) throw err;
      await auth.ensurePhoneLogin({ force: true });
      paired = await pairing.redeem(scene);
    }
    const url = targetUrl(paired);
    if (!url) {
      throw new ApiError({ code: 'UNKNOWN_PURPOSE', message: '无法识别该二维码的用途，请将微信小程序更新到最新版本后重试' });
    }
    await redirect(wx, url);
    return { ok: true, url, pairing: paired };
  } catch (err) {
    return { ok: false, error: toNotice(err) };
  }
}

// The "scan again" button: resolves with the options to feed back into enter(), or null if the
// user cancelled; rejects with INVALID_SCENE for a code that is not ours.
async function scanAgain(wxApi) {
  const res = await scanForScene(wxApi);
  if (res.cancelled) return null;
  // Same shape as onLoad options of a mini-program code.
  return { scene: encodeURIComponent(res.scene) };
}

module.exports = { enter, scanAgain, PAIRING_MESSAGES };

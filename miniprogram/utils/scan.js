const { sceneFromScanResult } = require('./scene');
const { ApiError } = require('./errors');

const ENTRY_PAGE = '/pages/scan/entry/index';

function invalidCode() {
  return new ApiError({ code: 'INVALID_SCENE', message: '无法识别该二维码，请扫描电脑考试页面上显示的二维码' });
}

// wx.scanCode → {scene} | {cancelled: true}; rejects with INVALID_SCENE for someone else's code.
function scanForScene(wxApi) {
  return new Promise((resolve, reject) => {
    wxApi.scanCode({
      onlyFromCamera: false,
      scanType: ['qrCode', 'wxCode'],
      success(res) {
        const scene = sceneFromScanResult(res);
        if (scene) resolve({ scene });
        else reject(invalidCode());
      },
      fail(res) {
        if (/cancel/i.test((res && res.errMsg) || '')) resolve({ cancelled: true });
        else reject(invalidCode());
      },
    });
  });
}

function entryUrl(scene) {
  // The entry page decodes options.scene, as WeChat URL-encodes it for mini-program codes.
  return `${ENTRY_PAGE}?scene=${encodeURIComponent(scene)}`;
}

module.exports = { scanForScene, entryUrl, invalidCode };

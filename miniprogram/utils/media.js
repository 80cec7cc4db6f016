const { ApiError } = require('./errors');

// Camera AND album, always: on some high-resolution phones the in-app camera keeps reopening
// (FAQ 21), and picking a photo taken with the system camera from the album works.
const IMAGE_SOURCE = {
  mediaType: ['image'],
  sizeType: ['compressed'],
  sourceType: ['album', 'camera'],
};

// Resolves with [{filePath, thumb, size}]; an empty list when the user cancels.
function chooseImages(wxApi, { count = 9 } = {}) {
  return new Promise((resolve, reject) => {
    wxApi.chooseMedia({
      ...IMAGE_SOURCE,
      count,
      success(res) {
        resolve((res.tempFiles || []).map((f) => ({
          filePath: f.tempFilePath,
          thumb: f.thumbTempFilePath || f.tempFilePath,
          size: f.size,
        })));
      },
      fail(res) {
        const errMsg = (res && res.errMsg) || '';
        if (/cancel/i.test(errMsg)) {
          resolve([]);
          return;
        }
        reject(new ApiError({
          code: 'CHOOSE_IMAGE_FAILED',
          message: '无法打开相机或相册，请在微信设置中允许访问后重试；也可以先用手机相机拍好，再从相册选择',
          faq: 21,
        }));
      },
    });
  });
}

module.exports = { chooseImages };

// On-phone compression before upload (FAQ 21): a 12 MP camera JPEG is 4-8 MB, which times out on
// weak 4G; 1600 px on the long edge is all the marker needs (the server downscales to about that
// anyway) and is typically 300-600 KB. The original stays in the album untouched.

const LONG_EDGE = 1600;
const QUALITY = 80;

function call(wxApi, name, options) {
  return new Promise((resolve, reject) => {
    wxApi[name]({ ...options, success: resolve, fail: reject });
  });
}

// The size to ask compressImage for: only the long edge is given, the other follows by ratio.
// null when the photo is already small enough (never upscale). getImageInfo reports the stored
// pixels; the server applies the EXIF orientation, so the stored long edge is the one to cap.
function targetSize(width, height, longEdge = LONG_EDGE) {
  if (!(width > 0 && height > 0)) return { compressedWidth: longEdge };
  if (Math.max(width, height) <= longEdge) return null;
  return width >= height ? { compressedWidth: longEdge } : { compressedHeight: longEdge };
}

// Resolves {filePath, compressed, width, height}: the compressed temp file, or the original when
// compressImage is missing (old base library), fails (iOS compresses only JPEG) or is not needed.
async function compressForUpload(wxApi, src, { longEdge = LONG_EDGE, quality = QUALITY } = {}) {
  const original = { filePath: src, compressed: false, width: 0, height: 0 };
  if (typeof wxApi.compressImage !== 'function') return original;
  let info = null;
  try {
    if (typeof wxApi.getImageInfo === 'function') info = await call(wxApi, 'getImageInfo', { src });
  } catch {
    info = null; // unknown size: still compress, by the width
  }
  const width = (info && info.width) || 0;
  const height = (info && info.height) || 0;
  const size = targetSize(width, height, longEdge);
  // A small PNG screenshot stays as it is; a small JPEG still gets the quality pass.
  if (!size && info && info.type && !/jpe?g/i.test(info.type)) return { ...original, width, height };
  try {
    const res = await call(wxApi, 'compressImage', { src, quality, ...(size || {}) });
    if (!res || !res.tempFilePath) return { ...original, width, height };
    return { filePath: res.tempFilePath, compressed: true, width, height };
  } catch {
    return { ...original, width, height };
  }
}

module.exports = { compressForUpload, targetSize, LONG_EDGE, QUALITY };

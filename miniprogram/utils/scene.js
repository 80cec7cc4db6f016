const config = require('../config/index');

// WeChat's scene: 1..32 visible characters from this set (no '%', no spaces).
const SCENE_RE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;

function isValidScene(value) {
  return typeof value === 'string' && SCENE_RE.test(value);
}

function safeDecode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return null; // malformed %-escape
  }
}

// The scene carried by a plain QR code URL of the form <base>/m/<scene>.
// The server percent-encodes the scene in the path, so '?' and '#' can only start the query or
// the fragment, and a raw '/' after the prefix means it is not our URL.
function sceneFromUrl(url, prefix = config.qrPathPrefix) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+\//i.test(url)) return null;
  const withoutHost = url.replace(/^https?:\/\/[^/]+/i, '');
  const pathOnly = withoutHost.split(/[?#]/)[0];
  const at = pathOnly.lastIndexOf(prefix);
  if (at < 0) return null;
  const segment = pathOnly.slice(at + prefix.length);
  if (!segment || segment.includes('/')) return null;
  const scene = safeDecode(segment);
  return isValidScene(scene) ? scene : null;
}

// Decode the scene from a page's onLoad(options):
//  - options.scene: a mini-program code (wxacode.getUnlimited); WeChat URL-encodes it.
//  - options.q: a plain QR code opened through the "scan normal QR code" rule; the whole URL
//    is URL-encoded.
// Returns the scene string, or null for anything that is not a valid scene.
function decodeScene(options) {
  if (!options || typeof options !== 'object') return null;
  if (typeof options.scene === 'string' && options.scene !== '') {
    const scene = safeDecode(options.scene);
    return isValidScene(scene) ? scene : null;
  }
  if (typeof options.q === 'string' && options.q !== '') {
    const url = safeDecode(options.q);
    return url === null ? null : sceneFromUrl(url);
  }
  return null;
}

// The scene from wx.scanCode's result: a mini-program code gives `path`
// ("pages/scan/entry/index?scene=..."), a plain QR code gives the URL in `result`.
function sceneFromScanResult(res) {
  if (!res) return null;
  if (typeof res.path === 'string' && res.path) {
    const query = res.path.split('?')[1] || '';
    const pair = query.split('&').find((p) => p.indexOf('scene=') === 0);
    if (pair) return decodeScene({ scene: pair.slice('scene='.length) });
  }
  if (typeof res.result === 'string') return sceneFromUrl(res.result.trim());
  return null;
}

module.exports = { isValidScene, decodeScene, sceneFromUrl, sceneFromScanResult };

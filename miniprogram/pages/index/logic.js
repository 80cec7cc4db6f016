const { scanForScene, entryUrl } = require('../../utils/scan');
const { toNotice } = require('../../utils/errors');

// Scan a code from the home page and open the entry page with its scene.
// Resolves {url} after navigating, {cancelled: true}, or {error}.
async function scanAndOpen(wxApi) {
  try {
    const res = await scanForScene(wxApi);
    if (res.cancelled) return { cancelled: true };
    const url = entryUrl(res.scene);
    wxApi.navigateTo({ url });
    return { url };
  } catch (err) {
    return { error: toNotice(err) };
  }
}

module.exports = { scanAndOpen };

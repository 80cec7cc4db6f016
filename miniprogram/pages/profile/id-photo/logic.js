const { chooseImages } = require('../../../utils/media');
const { toNotice } = require('../../../utils/errors');
const privacy = require('../../../utils/privacy');

const REQUESTS_PAGE = '/pages/profile/requests/index';
const THIS_PAGE = '/pages/profile/id-photo/index';

// Pick one ID photo. Resolves {file} ({filePath, thumb}), {file: null} on cancel, or {error}.
// Consent to the privacy guide first: without it chooseMedia is refused.
async function chooseIdPhoto(wxApi) {
  if (!(await privacy.ensureConsent(wxApi))) return { file: null, error: privacy.REFUSED_NOTICE };
  try {
    const files = await chooseImages(wxApi, { count: 1 });
    return { file: files[0] || null };
  } catch (err) {
    return { file: null, error: toNotice(err) };
  }
}

// Upload it as a base-photo replacement request (teacher approves).
// Resolves {ok: true, request} or {ok: false, error, needLogin}.
async function submitIdPhoto({ services, filePath, onProgress = () => {} }) {
  if (!services.auth.isCandidateLoggedIn()) {
    return { ok: false, needLogin: true, error: { code: 'UNAUTHORIZED', message: '请先登录考生账号', faq: null } };
  }
  try {
    const request = await services.basePhoto.submit(filePath, {
      onChange: (items) => items[0] && onProgress(items[0].progress),
    });
    return { ok: true, request };
  } catch (err) {
    return { ok: false, needLogin: err.status === 401, error: toNotice(err) };
  }
}

module.exports = { chooseIdPhoto, submitIdPhoto, REQUESTS_PAGE, THIS_PAGE };

const { toNotice } = require('../../../utils/errors');

// Resolves {ok: true, requests} or {ok: false, error, needLogin}.
async function loadRequests(services) {
  if (!services.auth.isCandidateLoggedIn()) {
    return { ok: false, needLogin: true, error: { code: 'UNAUTHORIZED', message: '请先登录考生账号', faq: null } };
  }
  try {
    return { ok: true, requests: await services.basePhoto.list() };
  } catch (err) {
    return { ok: false, needLogin: err.status === 401, error: toNotice(err) };
  }
}

module.exports = { loadRequests };

const { toNotice } = require('../../../utils/errors');

const DEFAULT_AFTER_LOGIN = '/pages/profile/id-photo/index';

// Only our own pages are valid targets of the ?redirect= parameter.
function safeRedirect(raw) {
  let target = '';
  try {
    target = decodeURIComponent(raw || '');
  } catch {
    target = '';
  }
  return /^\/pages\/[a-z0-9\-/]+\/index(\?.*)?$/i.test(target) ? target : DEFAULT_AFTER_LOGIN;
}

// Resolves {ok: true, user, redirect} or {ok: false, error}.
async function login({ auth, username, password, redirect }) {
  try {
    const user = await auth.loginWithPassword({ username, password });
    return { ok: true, user, redirect: safeRedirect(redirect) };
  } catch (err) {
    return { ok: false, error: toNotice(err) };
  }
}

function loginUrl(afterLogin) {
  return `/pages/auth/login/index?redirect=${encodeURIComponent(afterLogin)}`;
}

module.exports = { login, safeRedirect, loginUrl };

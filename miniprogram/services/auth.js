const { resolveWx } = require('../utils/wx');
const { ApiError } = require('../utils/errors');

function wxLogin(wxApi) {
  return new Promise((resolve, reject) => {
    wxApi.login({
      success(res) {
        if (res && res.code) resolve(res.code);
        else reject(new ApiError({ code: 'WX_LOGIN_FAILED', message: '微信登录失败，请稍后重试' }));
      },
      fail() {
        reject(new ApiError({ code: 'WX_LOGIN_FAILED', message: '微信登录失败，请检查网络后重试' }));
      },
    });
  });
}

function createAuthService({ wx: injectedWx, request, session }) {
  let inflight = null;

  // Phone session for pairing and answer uploads: wx.login → POST /api/v1/auth/wechat.
  // Server errors (WECHAT_NOT_CONFIGURED, ...) reject with the server's Chinese message.
  function ensurePhoneLogin({ force = false } = {}) {
    if (!force) {
      const token = session.getToken('phone');
      if (token) return Promise.resolve(token);
    }
    // A wx.login code is single use, so concurrent callers share one login.
    if (inflight) return inflight;
    inflight = (async () => {
      const code = await wxLogin(resolveWx(injectedWx));
      const body = await request({ url: '/api/v1/auth/wechat', method: 'POST', data: { code }, auth: false });
      if (!body || typeof body.access_token !== 'string' || !body.access_token) {
        throw new ApiError({ code: 'BAD_RESPONSE', message: '登录失败，请稍后重试', status: 200 });
      }
      session.setToken('phone', body.access_token);
      return body.access_token;
    })();
    const clear = () => {
      inflight = null;
    };
    inflight.then(clear, clear);
    return inflight;
  }

  // Candidate login for the student's own pages (ID photo requests).
  async function loginWithPassword({ username, password } = {}) {
    const name = String(username || '').trim();
    if (!name) throw new ApiError({ code: 'VALIDATION_ERROR', message: '请输入学号或身份证号', status: 0 });
    if (!password) throw new ApiError({ code: 'VALIDATION_ERROR', message: '请输入密码', status: 0 });
    const body = await request({
      url: '/api/v1/auth/login',
      method: 'POST',
      data: { username: name, password },
      auth: false,
    });
    if (!body || !body.access_token) {
      throw new ApiError({ code: 'BAD_RESPONSE', message: '登录失败，请稍后重试', status: 200 });
    }
    if (body.role !== 'candidate') {
      throw new ApiError({ code: 'NOT_CANDIDATE', message: '请使用考生账号（学号或身份证号）登录', status: 200 });
    }
    session.setToken('candidate', body.access_token);
    session.setUser(body.user || null);
    return body.user || null;
  }

  return {
    ensurePhoneLogin,
    loginWithPassword,
    isCandidateLoggedIn: () => !!session.getToken('candidate'),
    currentUser: () => session.getUser(),
    // Ends the candidate's session on the server too (POST /api/v1/auth/logout: that token stops
    // working at once; the request takes it before it is forgotten here). The phone session stays.
    logoutCandidate: () => {
      if (session.getToken('candidate')) {
        request({ url: '/api/v1/auth/logout', method: 'POST', auth: 'candidate' }).catch(() => {});
      }
      session.clearToken('candidate');
    },
  };
}

module.exports = { createAuthService };

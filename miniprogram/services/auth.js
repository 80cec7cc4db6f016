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

// Failed phone logins back off exponentially (1 s, 2 s, 4 s ... capped at 60 s, jittered so a
// room of phones does not retry in step). One gate per `wx` object, i.e. one for the whole mini
// program on the phone: every page's services share it, so the second camera's 5 s tick cannot
// call wx.login every 5 s (each fake wx in the tests gets its own).
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60000;

function createLoginGate({ now = () => Date.now(), random = Math.random } = {}) {
  const gate = { failures: 0, retryAt: 0, lastError: null, inflight: null };
  return {
    gate,
    // ms until the next login may be tried (0: now).
    waitMs: () => Math.max(0, gate.retryAt - now()),
    failed(err) {
      gate.failures += 1;
      const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (gate.failures - 1));
      gate.retryAt = now() + Math.round(full * (0.5 + random() / 2));
      gate.lastError = err;
    },
    succeeded() {
      gate.failures = 0;
      gate.retryAt = 0;
      gate.lastError = null;
    },
  };
}

const gates = new WeakMap();
function sharedGate(wxApi) {
  if (!gates.has(wxApi)) gates.set(wxApi, createLoginGate());
  return gates.get(wxApi);
}

function backingOff(gate) {
  const seconds = Math.max(1, Math.ceil(gate.waitMs() / 1000));
  const last = gate.gate.lastError;
  const err = new ApiError({
    code: (last && last.code) || 'WX_LOGIN_FAILED',
    message: `${(last && last.message) || '微信登录失败'}（${seconds} 秒后自动重试）`,
    faq: last ? last.faq : null,
    status: last ? last.status : 0,
  });
  err.retryAfterMs = gate.waitMs();
  return err;
}

function createAuthService({ wx: injectedWx, request, session, loginGate: injectedGate }) {
  const gateOf = () => injectedGate || sharedGate(resolveWx(injectedWx));
  // Phone session for pairing, answer uploads and snapshots: wx.login → POST /api/v1/auth/wechat.
  // Server errors (WECHAT_NOT_CONFIGURED, ...) reject with the server's Chinese message.
  //
  // After a 401 on an upload (the stored token was refused): clear it, session.clearToken('phone'),
  // then `await auth.ensurePhoneLogin()` once and resend. With no token stored it logs in afresh;
  // `force: true` does the same while a token is still stored. While failed logins back off it
  // rejects at once (no wx.login call) with the last error, `retryAfterMs` set and the wait in the
  // message; callers show it and try again later, never in a loop of their own.
  function ensurePhoneLogin({ force = false } = {}) {
    if (!force) {
      const token = session.getToken('phone');
      if (token) return Promise.resolve(token);
    }
    const loginGate = gateOf();
    // A wx.login code is single use, so concurrent callers share one login.
    if (loginGate.gate.inflight) return loginGate.gate.inflight;
    if (loginGate.waitMs() > 0) return Promise.reject(backingOff(loginGate));
    const inflight = (async () => {
      const code = await wxLogin(resolveWx(injectedWx));
      const body = await request({ url: '/api/v1/auth/wechat', method: 'POST', data: { code }, auth: false });
      if (!body || typeof body.access_token !== 'string' || !body.access_token) {
        throw new ApiError({ code: 'BAD_RESPONSE', message: '登录失败，请稍后重试', status: 200 });
      }
      session.setToken('phone', body.access_token);
      return body.access_token;
    })();
    loginGate.gate.inflight = inflight;
    inflight.then(
      () => {
        loginGate.gate.inflight = null;
        loginGate.succeeded();
      },
      (err) => {
        loginGate.gate.inflight = null;
        loginGate.failed(err);
      },
    );
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

module.exports = { createAuthService, createLoginGate, BACKOFF_CAP_MS };

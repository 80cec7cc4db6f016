const { resolveWx } = require('./wx');

// Two independent logins live on the phone: the WeChat phone session (wx.login → /auth/wechat,
// used for pairing and answer uploads) and the candidate login (/auth/login, needed for the
// student's own ID-photo requests).
const KEYS = {
  phone: 'examcloud.phoneToken',
  candidate: 'examcloud.candidateToken',
  candidateUser: 'examcloud.candidateUser',
};

function createSession(injectedWx) {
  const storage = () => resolveWx(injectedWx);

  function keyFor(kind) {
    const key = KEYS[kind];
    if (!key || kind === 'candidateUser') throw new Error(`unknown session kind: ${kind}`);
    return key;
  }

  return {
    getToken(kind) {
      return storage().getStorageSync(keyFor(kind)) || null;
    },
    setToken(kind, token) {
      storage().setStorageSync(keyFor(kind), token);
    },
    clearToken(kind) {
      storage().removeStorageSync(keyFor(kind));
      if (kind === 'candidate') storage().removeStorageSync(KEYS.candidateUser);
    },
    getUser() {
      return storage().getStorageSync(KEYS.candidateUser) || null;
    },
    setUser(user) {
      storage().setStorageSync(KEYS.candidateUser, user);
    },
  };
}

module.exports = { createSession, KEYS };

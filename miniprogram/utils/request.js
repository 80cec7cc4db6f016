const config = require('../config/index');
const { resolveWx } = require('./wx');
const { createSession } = require('./session');
const { fromResponse, networkError } = require('./errors');

function joinUrl(baseUrl, path) {
  if (/^https?:\/\//.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, '')}/${String(path).replace(/^\/+/, '')}`;
}

// Promise wrapper over wx.request.
// auth: 'phone' (default) | 'candidate' | false — which stored token to send as the bearer.
// Resolves with the parsed body of a 2xx answer; rejects with an ApiError (code/message/faq/status)
// otherwise. A 401 clears the token that was sent, so the next call logs in afresh.
function createRequest({ wx: injectedWx, baseUrl = config.apiBaseUrl, session, timeout } = {}) {
  const store = session || createSession(injectedWx);

  return function request({ url, method = 'GET', data, header = {}, auth = 'phone' } = {}) {
    const wxApi = resolveWx(injectedWx);
    const token = auth ? store.getToken(auth) : null;
    const headers = { 'Content-Type': 'application/json', ...header };
    if (token) headers.Authorization = `Bearer ${token}`;

    return new Promise((resolve, reject) => {
      wxApi.request({
        url: joinUrl(baseUrl, url),
        method,
        data,
        header: headers,
        timeout: timeout || config.requestTimeoutMs,
        success(res) {
          const status = res.statusCode;
          if (status >= 200 && status < 300) {
            resolve(res.data);
            return;
          }
          if (status === 401 && auth && token) store.clearToken(auth);
          reject(fromResponse(status, res.data));
        },
        fail(res) {
          reject(networkError(res && res.errMsg));
        },
      });
    });
  };
}

module.exports = { createRequest, joinUrl };

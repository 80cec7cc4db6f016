// One error shape for everything the UI shows: the API's {code, message, faq} plus the HTTP status
// (0 when the request never got an answer).

// Used only when the server's body has no Chinese message (a proxy's HTML page, a dropped
// connection), so the user still reads something actionable.
const FALLBACK_BY_STATUS = {
  0: { code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试' },
  400: { code: 'BAD_REQUEST', message: '请求有误，请返回重试' },
  401: { code: 'UNAUTHORIZED', message: '登录已失效，请重新登录' },
  403: { code: 'FORBIDDEN', message: '没有权限进行此操作' },
  404: { code: 'NOT_FOUND', message: '请求的内容不存在' },
  409: { code: 'CONFLICT', message: '操作冲突，请刷新后重试' },
  410: { code: 'GONE', message: '内容已过期' },
  413: { code: 'UPLOAD_TOO_LARGE', message: '图片太大，无法上传' },
  415: { code: 'UNSUPPORTED_IMAGE', message: '不支持的图片格式，请选择 JPG 或 PNG 图片' },
  422: { code: 'VALIDATION_ERROR', message: '填写的内容有误，请检查后重试' },
  429: { code: 'RATE_LIMITED', message: '操作太频繁，请稍后再试' },
};
const SERVER_FALLBACK = { message: '服务器繁忙，请稍后重试' };

class ApiError extends Error {
  constructor({ code, message, faq = null, status = 0, details = null }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.faq = faq === undefined ? null : faq;
    this.status = status;
    // Extra fields of the error body (e.g. the offending fields of a 422).
    this.details = details;
  }

  toJSON() {
    return { code: this.code, message: this.message, faq: this.faq, status: this.status };
  }
}

// wx.request parses JSON for us; wx.uploadFile hands back a string.
function parseBody(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function fromResponse(status, rawBody) {
  const body = parseBody(rawBody);
  const isApiBody = body && typeof body === 'object' && typeof body.code === 'string';
  const fallback = FALLBACK_BY_STATUS[status] || {
    code: `HTTP_${status}`,
    message: status >= 500 ? SERVER_FALLBACK.message : `请求失败（${status}）`,
  };
  if (!isApiBody) {
    return new ApiError({ code: fallback.code, message: fallback.message, status });
  }
  const { code, message, faq, ...details } = body;
  return new ApiError({
    code,
    message: typeof message === 'string' && message ? message : fallback.message,
    faq: typeof faq === 'number' ? faq : null,
    status,
    details: Object.keys(details).length ? details : null,
  });
}

function networkError(errMsg) {
  const err = new ApiError({ ...FALLBACK_BY_STATUS[0], status: 0 });
  err.errMsg = errMsg || '';
  return err;
}

function isApiError(err) {
  return !!err && err.name === 'ApiError';
}

// Anything thrown (ApiError, wx fail object, plain Error) → what the error-notice component shows.
function toNotice(err) {
  if (!err) return null;
  if (isApiError(err)) return { code: err.code, message: err.message, faq: err.faq };
  return { code: 'CLIENT_ERROR', message: (err && err.message) || '操作失败，请重试', faq: null };
}

module.exports = { ApiError, fromResponse, networkError, parseBody, toNotice };

// One error shape for everything the UI shows: the API's {code, message, faq} plus the HTTP status
// (0 when the request never got an answer).

// The server's catalogue (code → {message, faq}), exported by infra/scripts/export_error_catalogue.py.
const CATALOGUE = require('../config/error-catalogue');

// {code, message, faq} of a catalogue code, or null for a code the server does not define.
function catalogueNotice(code) {
  const entry = CATALOGUE[code];
  return entry ? { code, message: entry.message, faq: entry.faq } : null;
}

// Used only when the server's body has no Chinese message (a proxy's HTML page, a dropped
// connection), so the user still reads something actionable: the catalogue's words where it has
// the code, ours for the few statuses it has no code for.
const FALLBACK_BY_STATUS = {
  0: { code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试' },
  400: catalogueNotice('BAD_REQUEST'),
  401: catalogueNotice('TOKEN_INVALID'),
  403: catalogueNotice('FORBIDDEN'),
  404: catalogueNotice('NOT_FOUND'),
  409: { code: 'CONFLICT', message: '操作冲突，请刷新后重试' },
  410: { code: 'GONE', message: '内容已过期' },
  413: catalogueNotice('UPLOAD_TOO_LARGE'),
  415: catalogueNotice('UNSUPPORTED_IMAGE'),
  422: catalogueNotice('VALIDATION_ERROR'),
  429: catalogueNotice('RATE_LIMITED'),
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
    return new ApiError({ code: fallback.code, message: fallback.message, faq: fallback.faq, status });
  }
  const { code, message, faq, ...details } = body;
  const known = catalogueNotice(code);
  return new ApiError({
    code,
    message: typeof message === 'string' && message ? message : (known || fallback).message,
    // A server that sent no faq field at all gets the catalogue's; an explicit null stays.
    faq: typeof faq === 'number' ? faq : faq === undefined && known ? known.faq : null,
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

module.exports = { ApiError, fromResponse, networkError, parseBody, toNotice, catalogueNotice, CATALOGUE };

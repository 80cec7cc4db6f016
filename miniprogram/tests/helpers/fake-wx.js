// A fake `wx` with just the APIs the mini program uses. Network answers come from `routes`
// ("METHOD /path" → handler(call) returning {statusCode, data} or {fail: errMsg}); uploads from
// `upload` (handler(call) returning the same, or 'manual' to drive the task from the test).

const BASE = 'https://exam.example.edu.cn';

function pathOf(url) {
  return url.startsWith(BASE) ? url.slice(BASE.length) : url;
}

function createFakeWx({ routes = {}, upload = null, storage = {}, loginCodes = ['code-1', 'code-2', 'code-3'] } = {}) {
  const store = { ...storage };
  const calls = { request: [], uploadFile: [], login: 0, redirectTo: [], navigateTo: [], chooseMedia: [], keepScreenOn: [] };
  let codeIndex = 0;

  function answer(handler, call, success, fail) {
    const res = handler ? handler(call) : { statusCode: 404, data: { code: 'NOT_FOUND', message: '未找到', faq: null } };
    if (res === 'manual') return;
    // Answer asynchronously, as WeChat does.
    Promise.resolve().then(() => {
      if (res.fail) fail({ errMsg: res.fail });
      else success({ statusCode: res.statusCode, data: res.data, header: {} });
    });
  }

  const wx = {
    calls,
    storage: store,

    getStorageSync: (key) => (key in store ? store[key] : ''),
    setStorageSync: (key, value) => {
      store[key] = value;
    },
    removeStorageSync: (key) => {
      delete store[key];
    },

    login({ success, fail }) {
      calls.login += 1;
      const code = loginCodes[codeIndex];
      codeIndex += 1;
      Promise.resolve().then(() => (code ? success({ code, errMsg: 'login:ok' }) : fail({ errMsg: 'login:fail' })));
    },

    request(opts) {
      const call = { ...opts, path: pathOf(opts.url) };
      calls.request.push(call);
      answer(routes[`${opts.method || 'GET'} ${call.path}`], call, opts.success, opts.fail);
    },

    uploadFile(opts) {
      const progressListeners = [];
      const call = {
        ...opts,
        path: pathOf(opts.url),
        progress(p) {
          progressListeners.forEach((fn) => fn({ progress: p, totalBytesSent: p, totalBytesExpectedToSend: 100 }));
        },
        respond(statusCode, data) {
          opts.success({ statusCode, data: typeof data === 'string' ? data : JSON.stringify(data), errMsg: 'uploadFile:ok' });
        },
        failNetwork(errMsg = 'uploadFile:fail timeout') {
          opts.fail({ errMsg });
        },
      };
      calls.uploadFile.push(call);
      if (upload) {
        const res = upload(call);
        if (res !== 'manual') {
          Promise.resolve().then(() => {
            if (res.fail) call.failNetwork(res.fail);
            else call.respond(res.statusCode, res.data);
          });
        }
      }
      return {
        onProgressUpdate(fn) {
          progressListeners.push(fn);
        },
        abort() {},
      };
    },

    redirectTo(opts) {
      calls.redirectTo.push(opts.url);
      if (opts.success) Promise.resolve().then(() => opts.success({ errMsg: 'redirectTo:ok' }));
    },
    navigateTo(opts) {
      calls.navigateTo.push(opts.url);
      if (opts.success) Promise.resolve().then(() => opts.success({ errMsg: 'navigateTo:ok' }));
    },

    // Tests set wx.chooseMediaResult / wx.scanCodeResult to {tempFiles: [...]} or {fail: errMsg}.
    chooseMediaResult: { fail: 'chooseMedia:fail cancel' },
    chooseMedia(opts) {
      calls.chooseMedia.push(opts);
      const res = wx.chooseMediaResult;
      Promise.resolve().then(() => (res.fail ? opts.fail({ errMsg: res.fail }) : opts.success(res)));
    },
    scanCodeResult: { fail: 'scanCode:fail cancel' },
    scanCode(opts) {
      const res = wx.scanCodeResult;
      Promise.resolve().then(() => (res.fail ? opts.fail({ errMsg: res.fail }) : opts.success(res)));
    },

    setKeepScreenOn(opts) {
      calls.keepScreenOn.push(opts.keepScreenOn);
    },
  };
  return wx;
}

// Let queued promise callbacks and zero-delay timers run.
function flush(times = 5) {
  let p = Promise.resolve();
  for (let i = 0; i < times; i += 1) p = p.then(() => new Promise((r) => setTimeout(r, 0)));
  return p;
}

function json(statusCode, data) {
  return { statusCode, data };
}

function apiError(statusCode, code, message, faq = null) {
  return { statusCode, data: { code, message, faq } };
}

module.exports = { createFakeWx, flush, json, apiError, BASE };

// A fake `wx` with just the APIs the mini program uses. Network answers come from `routes`
// ("METHOD /path" → handler(call) returning {statusCode, data} or {fail: errMsg}); uploads from
// `upload` (handler(call) returning the same, or 'manual' to drive the task from the test).

const BASE = 'https://exam.example.edu.cn';

function pathOf(url) {
  return url.startsWith(BASE) ? url.slice(BASE.length) : url;
}

function createFakeWx({ routes = {}, upload = null, storage = {}, files = {}, loginCodes = ['code-1', 'code-2', 'code-3'] } = {}) {
  const store = { ...storage };
  // The phone's files, path → {size, width, height}: temp files from chooseMedia/compressImage and
  // what the app keeps under USER_DATA_PATH. Pass one fake's `files` and `storage` to a new fake to
  // simulate WeChat killing the app and starting it again.
  const fsFiles = { ...files };
  const calls = { request: [], uploadFile: [], login: 0, redirectTo: [], navigateTo: [], chooseMedia: [], keepScreenOn: [], compressImage: [], getImageInfo: [], fs: [] };
  const networkListeners = [];
  let tempSeq = 0;
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

    // Stored as JSON, like WeChat: nothing the app mutates later changes what was saved.
    getStorageSync: (key) => (key in store ? JSON.parse(JSON.stringify(store[key])) : ''),
    setStorageSync: (key, value) => {
      store[key] = JSON.parse(JSON.stringify(value));
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

    canIUse: (name) => typeof wx[name] === 'function',
    env: { USER_DATA_PATH: 'wxfile://usr' },
    files: fsFiles,
    getFileSystemManager() {
      const done = (opts, op, fn) => {
        calls.fs.push({ op, ...opts });
        Promise.resolve().then(() => {
          const err = fn();
          if (err) {
            if (opts.fail) opts.fail({ errMsg: `${op}:fail ${err}` });
          } else if (opts.success) {
            opts.success(op === 'readdir' ? { files: Object.keys(fsFiles).filter((p) => p.startsWith(`${opts.dirPath}/`)).map((p) => p.slice(opts.dirPath.length + 1)) } : { size: (fsFiles[opts.filePath] || {}).size, errMsg: `${op}:ok` });
          }
        });
      };
      return {
        mkdir: (o) => done(o, 'mkdir', () => null),
        copyFile: (o) => done(o, 'copyFile', () => {
          if (!fsFiles[o.srcPath]) return 'no such file or directory';
          fsFiles[o.destPath] = { ...fsFiles[o.srcPath] };
          return null;
        }),
        unlink: (o) => done(o, 'unlink', () => {
          if (!fsFiles[o.filePath]) return 'no such file or directory';
          delete fsFiles[o.filePath];
          return null;
        }),
        readdir: (o) => done(o, 'readdir', () => null),
        getFileInfo: (o) => done(o, 'getFileInfo', () => (fsFiles[o.filePath] ? null : 'no such file or directory')),
      };
    },
    getImageInfo(opts) {
      calls.getImageInfo.push(opts);
      const f = fsFiles[opts.src];
      Promise.resolve().then(() => (f ? opts.success({ width: f.width || 4000, height: f.height || 3000, type: f.type || 'jpeg', path: opts.src }) : opts.fail({ errMsg: 'getImageInfo:fail file not found' })));
    },
    // Scales the long edge to compressedWidth/compressedHeight; bytes shrink with the pixel count.
    // Tests set wx.compressImageFail = 'errMsg' to make it fail, or delete wx.compressImage.
    compressImageFail: null,
    compressImage(opts) {
      calls.compressImage.push(opts);
      Promise.resolve().then(() => {
        const f = fsFiles[opts.src];
        if (wx.compressImageFail || !f) {
          opts.fail({ errMsg: wx.compressImageFail || 'compressImage:fail file not found' });
          return;
        }
        const w = f.width || 4000;
        const h = f.height || 3000;
        const scale = opts.compressedWidth ? opts.compressedWidth / w : (opts.compressedHeight ? opts.compressedHeight / h : 1);
        tempSeq += 1;
        const tempFilePath = `wxfile://tmp/compressed-${tempSeq}.jpg`;
        fsFiles[tempFilePath] = { size: Math.round((f.size || 4e6) * scale * scale * 0.6), width: Math.round(w * scale), height: Math.round(h * scale), type: 'jpeg' };
        opts.success({ tempFilePath, errMsg: 'compressImage:ok' });
      });
    },

    // Network: tests call wx.setNetwork(false) / wx.setNetwork(true, 'wifi').
    networkType: 'wifi',
    getNetworkType(opts) {
      Promise.resolve().then(() => opts.success({ networkType: wx.networkType }));
    },
    onNetworkStatusChange(fn) {
      networkListeners.push(fn);
    },
    offNetworkStatusChange(fn) {
      const i = networkListeners.indexOf(fn);
      if (i >= 0) networkListeners.splice(i, 1);
    },
    setNetwork(isConnected, networkType = isConnected ? 'wifi' : 'none') {
      wx.networkType = networkType;
      networkListeners.slice().forEach((fn) => fn({ isConnected, networkType }));
    },
    networkListenerCount: () => networkListeners.length,

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
      // Chosen photos exist as temp files (4000x3000 camera JPEGs unless the test says otherwise).
      (res.tempFiles || []).forEach((f) => {
        if (!fsFiles[f.tempFilePath]) fsFiles[f.tempFilePath] = { size: f.size || 4e6, width: f.width || 4000, height: f.height || 3000, type: 'jpeg' };
      });
      const run = () => Promise.resolve().then(() => (res.fail ? opts.fail({ errMsg: res.fail }) : opts.success(res)));
      wx.gatePrivacy('chooseMedia', run, (err) => opts.fail(err)); // consent first, as WeChat does
    },
    scanCodeResult: { fail: 'scanCode:fail cancel' },
    scanCode(opts) {
      const res = wx.scanCodeResult;
      Promise.resolve().then(() => (res.fail ? opts.fail({ errMsg: res.fail }) : opts.success(res)));
    },

    setKeepScreenOn(opts) {
      calls.keepScreenOn.push(opts.keepScreenOn);
    },
    ...cameraAndPrivacy(calls, fsFiles, () => wx),
  };
  return wx;
}

// The camera, settings and privacy-consent APIs (second camera, privacy popup). Tests set:
// wx.privacyNeeded (consent missing: the privacy listener decides, for chooseMedia too),
// wx.photoExt ('png', as iOS gives), wx.cameraFail, wx.authSetting.
function cameraAndPrivacy(calls, fsFiles, self) {
  Object.assign(calls, { takePhoto: [], privacy: [], openSetting: 0, reLaunch: [], toast: [], stopPullDownRefresh: 0 });
  let shots = 0;
  const later = (fn) => Promise.resolve().then(fn);
  // WeChat's own flow: the registered listener gets resolve(); 'agree' lets the API through.
  function gatePrivacy(referrer, proceed, fail) {
    const wx = self();
    if (!wx.privacyNeeded) return proceed();
    calls.privacy.push(referrer);
    const refuse = () => fail({ errMsg: `${referrer}:fail privacy permission is not authorized`, errno: 104 });
    if (!wx.privacyListener) return later(refuse);
    return wx.privacyListener((res) => {
      if (res && res.event === 'agree') {
        wx.privacyNeeded = false;
        wx.privacyAgreedWith = res.buttonId;
        proceed();
      } else refuse();
    }, { referrer });
  }
  return {
    privacyNeeded: false,
    privacyListener: null,
    photoExt: 'jpg',
    cameraFail: false,
    authSetting: {},
    gatePrivacy,
    getPrivacySetting({ success }) {
      later(() => success({ needAuthorization: self().privacyNeeded, privacyContractName: '考试云隐私保护指引' }));
    },
    onNeedPrivacyAuthorization(listener) {
      self().privacyListener = listener;
    },
    requirePrivacyAuthorize({ success, fail }) {
      gatePrivacy('requirePrivacyAuthorize', () => later(() => success({ errMsg: 'requirePrivacyAuthorize:ok' })), fail);
    },
    openPrivacyContract() {
      calls.privacy.push('openPrivacyContract');
    },
    createCameraContext() {
      return {
        takePhoto(opts) {
          calls.takePhoto.push(opts);
          shots += 1;
          const ext = self().photoExt;
          const path = `wxfile://tmp/snap-${shots}.${ext}`;
          fsFiles[path] = { size: ext === 'png' ? 900e3 : 60e3, width: 640, height: 480, type: ext === 'png' ? 'png' : 'jpeg' };
          later(() => (self().cameraFail ? opts.fail({ errMsg: 'takePhoto:fail' }) : opts.success({ tempImagePath: path })));
        },
      };
    },
    getSetting({ success }) {
      later(() => success({ authSetting: self().authSetting }));
    },
    openSetting({ success }) {
      calls.openSetting += 1;
      if (success) later(() => success({ authSetting: self().authSetting }));
    },
    reLaunch(opts) {
      calls.reLaunch.push(opts.url);
    },
    showToast(opts) {
      calls.toast.push(opts.title);
    },
    stopPullDownRefresh() {
      calls.stopPullDownRefresh += 1;
    },
  };
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

// The error the real server answers for `code`: its catalogue message and FAQ
// (config/error-catalogue.json, exported from server/domain/error_catalogue.py).
const CATALOGUE = require('../../config/error-catalogue.json');

function serverError(statusCode, code) {
  if (!CATALOGUE[code]) throw new Error(`the server has no error code ${code}`);
  return apiError(statusCode, code, CATALOGUE[code].message, CATALOGUE[code].faq);
}

module.exports = { createFakeWx, flush, json, apiError, serverError, CATALOGUE, BASE };

// Where the app-wide upload queue keeps what must survive a re-scan (reLaunch) or WeChat killing
// the app in the background: one storage key with the records, and each photo's own copy under
// wx.env.USER_DATA_PATH (temp files from chooseMedia/compressImage may be gone after a restart).

const STORAGE_KEY = 'examcloud.uploadQueue';
const DIR_NAME = 'upload-queue';
// Fields written to storage; progress and timers are not worth keeping across a restart.
const PERSISTED = [
  'id', 'uploadId', 'pairingId', 'question', 'filePath', 'thumb', 'size', 'compressed',
  'status', 'attempts', 'error', 'createdAt', 'doneAt',
];

function promisify(fn, options) {
  return new Promise((resolve, reject) => {
    fn({ ...options, success: resolve, fail: reject });
  });
}

function createUploadStore({ wx: wxApi, key = STORAGE_KEY } = {}) {
  const root = (wxApi.env && wxApi.env.USER_DATA_PATH) || 'wxfile://usr';
  const dir = `${root}/${DIR_NAME}`;
  let fs = null;
  const fsm = () => {
    if (!fs) fs = wxApi.getFileSystemManager();
    return fs;
  };

  function load() {
    let raw;
    try {
      raw = wxApi.getStorageSync(key);
    } catch {
      return [];
    }
    if (!Array.isArray(raw)) return [];
    return raw.filter((r) => r && typeof r.id === 'string' && typeof r.uploadId === 'string' && r.pairingId);
  }

  function save(records) {
    const rows = records.map((r) => {
      const row = {};
      PERSISTED.forEach((k) => {
        if (r[k] !== undefined) row[k] = r[k];
      });
      return row;
    });
    try {
      wxApi.setStorageSync(key, rows);
      return true;
    } catch {
      // Storage full (10 MB per mini program): the queue still works for this session.
      return false;
    }
  }

  async function ensureDir() {
    try {
      await promisify(fsm().mkdir.bind(fsm()), { dirPath: dir, recursive: true });
    } catch (err) {
      if (!/exist/i.test((err && err.errMsg) || '')) throw err;
    }
  }

  // Copies a temp file into the app's own storage; resolves with the kept path.
  async function keep(tempPath, name) {
    await ensureDir();
    const ext = (/\.(jpe?g|png|webp|heic)$/i.exec(tempPath) || ['.jpg'])[0].toLowerCase();
    const destPath = `${dir}/${name}${ext}`;
    await promisify(fsm().copyFile.bind(fsm()), { srcPath: tempPath, destPath });
    return destPath;
  }

  // Bytes of a kept file, or 0 when it cannot be read.
  async function sizeOf(filePath) {
    try {
      const res = await promisify(fsm().getFileInfo.bind(fsm()), { filePath });
      return (res && res.size) || 0;
    } catch {
      return 0;
    }
  }

  // Removing an already-missing file is fine: the goal is that it is gone.
  async function remove(filePath) {
    if (!filePath || !filePath.startsWith(dir)) return;
    try {
      await promisify(fsm().unlink.bind(fsm()), { filePath });
    } catch {
      // nothing to do
    }
  }

  // Files no record points to (the app was killed between copying and recording): removed.
  async function sweep(keptPaths) {
    let files = [];
    try {
      const res = await promisify(fsm().readdir.bind(fsm()), { dirPath: dir });
      files = (res && res.files) || [];
    } catch {
      return;
    }
    const wanted = new Set(keptPaths);
    await Promise.all(files.map((f) => `${dir}/${f}`).filter((p) => !wanted.has(p)).map(remove));
  }

  return { load, save, keep, sizeOf, remove, sweep, dir };
}

module.exports = { createUploadStore, STORAGE_KEY };

// app.js owns the answer-photo queue: created in onLaunch from what an earlier run left, paused
// in onHide, resumed in onShow. Runs the real app.js with a stub App() and a fake global wx.
const { createFakeWx, flush } = require('./helpers/fake-wx');

const KEPT = 'wxfile://usr/upload-queue/uid-1.jpg';
const settle = () => flush(25);

// What a run killed mid-upload leaves behind: the record (status uploading) and the kept copy.
function leftByKilledRun() {
  return {
    storage: {
      'examcloud.phoneToken': 'token-1',
      'examcloud.uploadQueue': [{
        id: 'uid-1', uploadId: 'uid-1', pairingId: '7', question: '2', filePath: KEPT, thumb: '',
        size: 400000, compressed: true, status: 'uploading', attempts: 1, error: null, createdAt: Date.now(), doneAt: 0,
      }],
    },
    files: { [KEPT]: { size: 400000, width: 1600, height: 1200 } },
  };
}

function launchApp(wx) {
  let definition;
  global.wx = wx;
  global.App = (def) => {
    definition = def;
  };
  jest.isolateModules(() => {
    require('../app');
  });
  const app = { ...definition };
  global.getApp = () => app;
  return app;
}

afterEach(() => {
  delete global.wx;
  delete global.App;
  delete global.getApp;
});

describe('app.js and the upload queue', () => {
  test('onLaunch picks up a photo an earlier run did not finish and sends it with its upload_id', async () => {
    const wx = createFakeWx({ ...leftByKilledRun(), upload: () => ({ statusCode: 202, data: '{"id":9,"status":"processing"}' }) });
    const app = launchApp(wx);
    app.onLaunch({});
    app.onShow({});
    await settle();
    expect(wx.calls.uploadFile).toHaveLength(1);
    expect(wx.calls.uploadFile[0]).toMatchObject({
      url: 'https://exam.example.edu.cn/api/v1/pairings/7/photos',
      filePath: KEPT,
      formData: { upload_id: 'uid-1' },
      header: { Authorization: 'Bearer token-1' },
    });
    expect(app.uploads.list('7')[0].status).toBe('done');
    expect(wx.files[KEPT]).toBeUndefined();
    expect(wx.networkListenerCount()).toBe(1);
  });

  test('hidden, the app starts no upload; shown again, it sends what waited', async () => {
    const wx = createFakeWx({ storage: { 'examcloud.phoneToken': 't' }, upload: () => 'manual' });
    const app = launchApp(wx);
    app.onLaunch({});
    app.onShow({});
    wx.files['wxfile://tmp/a.jpg'] = { size: 5e6 };
    app.onHide();
    await app.uploads.add('7', [{ filePath: 'wxfile://tmp/a.jpg' }]);
    await settle();
    expect(wx.calls.uploadFile).toHaveLength(0);
    expect(app.uploads.list('7')[0].status).toBe('queued');

    app.onShow({});
    await settle();
    expect(wx.calls.uploadFile).toHaveLength(1);
  });

  test('onShow sends again at once a photo that was backing off after a network failure', async () => {
    const wx = createFakeWx({ storage: { 'examcloud.phoneToken': 't' }, upload: () => 'manual' });
    const app = launchApp(wx);
    app.onLaunch({});
    wx.files['wxfile://tmp/a.jpg'] = { size: 5e6 };
    await app.uploads.add('7', [{ filePath: 'wxfile://tmp/a.jpg' }]);
    app.onHide();
    wx.calls.uploadFile[0].failNetwork('uploadFile:fail interrupted');
    await settle();
    expect(app.uploads.list('7')[0].status).toBe('retrying');
    app.onShow({});
    await settle();
    expect(wx.calls.uploadFile).toHaveLength(2);
    app.uploads.stop();
  });
});

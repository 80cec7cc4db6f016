const simulate = require('miniprogram-simulate');
const { loadComponent, text } = require('../helpers/component');

const render = loadComponent('upload-item');

describe('upload-item component', () => {
  test('shows the thumbnail, the progress bar width and "上传中 n%"', () => {
    const comp = render({ itemId: 'u1', thumb: 'wxfile://a.jpg', status: 'uploading', progress: 42 });
    expect(text(comp, '.upload-item__status')).toBe('上传中 42%');
    expect(comp.querySelector('.upload-item__bar-inner').dom.getAttribute('style')).toMatch(/width:\s*42%/);
    // Built-in <image> keeps src as a virtual attribute, not a DOM one.
    const thumbAttrs = comp.querySelector('.upload-item__thumb').toJSON().attrs;
    expect(thumbAttrs).toContainEqual({ name: 'src', value: 'wxfile://a.jpg' });
    expect(comp.querySelector('.upload-item__retry')).toBeUndefined();
  });

  test('updates as the upload progresses and completes', async () => {
    const comp = render({ itemId: 'u1', status: 'uploading', progress: 10 });
    comp.setData({ progress: 75 });
    await simulate.sleep(0);
    expect(text(comp, '.upload-item__status')).toBe('上传中 75%');
    comp.setData({ status: 'done', progress: 100 });
    await simulate.sleep(0);
    expect(text(comp, '.upload-item__status')).toBe('已上传');
  });

  test.each([
    ['preparing', '正在压缩…'],
    ['queued', '等待上传'],
    ['retrying', '网络不稳定，稍后自动重试…'],
    ['waiting', '网络已断开，恢复后自动上传'],
  ])('status %s reads %s', (status, expected) => {
    const comp = render({ itemId: 'u1', status, progress: 0 });
    expect(text(comp, '.upload-item__status')).toBe(expected);
  });

  test('a failure shows the server reason and FAQ, and no retry button when retry is pointless', () => {
    const comp = render({
      itemId: 'u2', status: 'failed', progress: 0, code: 'UPLOAD_TOO_LARGE', message: '上传的文件过大', faq: 21, canRetry: false,
    });
    expect(text(comp, '.upload-item__status')).toBe('上传失败');
    expect(text(comp, '.upload-item__reason')).toBe('上传的文件过大（常见问题 FAQ 21）');
    expect(comp.querySelector('.upload-item__retry')).toBeUndefined();
  });

  test('tapping 重试 emits a retry event with the item id', async () => {
    const comp = render({ itemId: 'u3', status: 'failed', message: '网络连接失败，请检查网络后重试', canRetry: true });
    const retry = comp.querySelector('.upload-item__retry');
    expect(retry.dom.textContent.trim()).toBe('重试');

    const handler = jest.fn();
    comp.addEventListener('retry', handler);
    retry.dispatchEvent('tap');
    await simulate.sleep(0);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail).toEqual({ id: 'u3' });
  });

  test('tapping 删除 emits a delete event with the item id; no 删除 while uploading or once done', async () => {
    const comp = render({ itemId: 'u4', status: 'failed', message: '上传的文件过大', canDelete: true });
    const del = comp.querySelector('.upload-item__delete');
    expect(del.dom.textContent.trim()).toBe('删除');
    const handler = jest.fn();
    comp.addEventListener('delete', handler);
    del.dispatchEvent('tap');
    await simulate.sleep(0);
    expect(handler.mock.calls[0][0].detail).toEqual({ id: 'u4' });

    expect(render({ itemId: 'u5', status: 'uploading', canDelete: false }).querySelector('.upload-item__delete')).toBeUndefined();
    expect(render({ itemId: 'u6', status: 'done', canDelete: true }).querySelector('.upload-item__delete')).toBeUndefined();
  });
});

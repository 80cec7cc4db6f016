// One queued photo: thumbnail, progress bar, Chinese status, a retry button after a failure that
// can pass, and 删除 for a photo the candidate gives up on (not while it is being sent).
const STATUS_TEXT = {
  preparing: '正在压缩…',
  queued: '等待上传',
  waiting: '网络已断开，恢复后自动上传',
  uploading: '上传中',
  retrying: '网络不稳定，稍后自动重试…',
  done: '已上传',
  failed: '上传失败',
};

function statusText(status, progress) {
  if (status === 'uploading') return `上传中 ${progress}%`;
  return STATUS_TEXT[status] || '';
}

Component({
  options: {
    styleIsolation: 'isolated',
  },

  properties: {
    itemId: { type: String, value: '' },
    thumb: { type: String, value: '' },
    status: { type: String, value: 'queued' },
    progress: { type: Number, value: 0 },
    code: { type: String, value: '' },
    message: { type: String, value: '' },
    faq: { type: null, value: null },
    canRetry: { type: Boolean, value: false },
    canDelete: { type: Boolean, value: false },
  },

  data: {
    statusText: STATUS_TEXT.queued,
    percent: 0,
  },

  observers: {
    'status, progress': function update(status, progress) {
      const percent = Math.max(0, Math.min(100, Math.round(Number(progress) || 0)));
      this.setData({ percent, statusText: statusText(status, percent) });
    },
  },

  methods: {
    onRetry() {
      this.triggerEvent('retry', { id: this.data.itemId });
    },
    onDelete() {
      this.triggerEvent('delete', { id: this.data.itemId });
    },
  },
});

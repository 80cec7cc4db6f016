const { joinUrl } = require('../utils/request');
const { ApiError } = require('../utils/errors');
const { formatTime, parseTime } = require('../utils/format');
const { createAuthedQueue } = require('./uploads');

const STATUS_TEXT = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已驳回',
};

const PATH = '/api/v1/me/base-photo-requests';

function toView(r) {
  return {
    id: r.id,
    status: r.status,
    statusText: STATUS_TEXT[r.status] || '未知状态',
    createdAt: formatTime(r.created_at),
    decidedAt: formatTime(r.decided_at),
    score: typeof r.score === 'number' ? r.score : null,
    // The teacher's note on a decision (server field decision_note), e.g. why it was rejected.
    note: typeof r.decision_note === 'string' ? r.decision_note : '',
  };
}

function createBasePhotoService({ wx, request, session, baseUrl }) {
  return {
    uploadUrl: () => joinUrl(baseUrl, PATH),

    // Multipart upload of an ID photo as the logged-in candidate → 202 {id, status: 'pending'}.
    // onChange receives the queue's items, for the progress bar.
    async submit(filePath, { onChange } = {}) {
      const queue = createAuthedQueue({ wx, session, kind: 'candidate', concurrency: 1, onChange });
      const added = queue.add({ filePath, url: joinUrl(baseUrl, PATH) });
      const item = await queue.wait(added.id);
      if (item.status === 'done') return item.result;
      throw new ApiError(item.error || { code: 'UPLOAD_FAILED', message: '上传失败，请重试' });
    },

    // The candidate's own requests, newest first.
    async list() {
      const body = await request({ url: PATH, auth: 'candidate' });
      const rows = Array.isArray(body) ? body : [];
      return rows
        .slice()
        .sort((a, b) => (parseTime(b.created_at) || 0) - (parseTime(a.created_at) || 0))
        .map(toView);
    },
  };
}

module.exports = { createBasePhotoService };

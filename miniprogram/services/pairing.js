const { joinUrl } = require('../utils/request');
const { ApiError } = require('../utils/errors');
const { createAuthedQueue } = require('./uploads');

// `question` is the question number n; accept {n} too in case the server nests it.
function questionNumber(question) {
  if (question && typeof question === 'object') return Number(question.n) || null;
  return Number(question) || null;
}

function createPairingService({ wx, request, session, baseUrl }) {
  const photoUrl = (id) => joinUrl(baseUrl, `/api/v1/pairings/${encodeURIComponent(id)}/photos`);
  const snapshotUrl = (id) => joinUrl(baseUrl, `/api/v1/pairings/${encodeURIComponent(id)}/snapshots`);

  return {
    // POST /api/v1/pairings {scene} → {pairing_id, attempt_id, question, purpose}
    async redeem(scene) {
      const body = await request({ url: '/api/v1/pairings', method: 'POST', data: { scene }, auth: 'phone' });
      if (!body || body.pairing_id === undefined || body.pairing_id === null) {
        throw new ApiError({ code: 'BAD_RESPONSE', message: '配对失败，请重新扫码', status: 200 });
      }
      return {
        pairingId: String(body.pairing_id),
        attemptId: body.attempt_id,
        question: questionNumber(body.question),
        purpose: body.purpose,
      };
    },
    // DELETE /api/v1/pairings/{id} → 204: this phone's uploads for the pairing end at once.
    // Ending an ended pairing is fine (204 again).
    async unpair(pairingId) {
      await request({ url: `/api/v1/pairings/${encodeURIComponent(pairingId)}`, method: 'DELETE', auth: 'phone' });
    },
    photoUrl,
    snapshotUrl,
    createPhotoQueue(options = {}) {
      return createAuthedQueue({ wx, session, kind: 'phone', ...options });
    },
  };
}

module.exports = { createPairingService };

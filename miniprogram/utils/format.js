// Show times in Beijing time whatever the phone's time zone; the server sends ISO 8601 with offset.
function pad(n) {
  return n < 10 ? `0${n}` : String(n);
}

// Milliseconds since the epoch, or NaN.
function parseTime(iso) {
  if (!iso || typeof iso !== 'string') return NaN;
  // iOS's Date.parse rejects more than 3 fractional digits (Python sends microseconds).
  return Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
}

function formatTime(iso) {
  const ms = parseTime(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

module.exports = { formatTime, parseTime };

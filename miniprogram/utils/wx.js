// Resolve the `wx` API lazily so modules can be required in Node (jest) without a wx global.
function resolveWx(injected) {
  if (injected) return injected;
  if (typeof wx !== 'undefined') return wx;
  throw new Error('wx API is not available; pass one in');
}

module.exports = { resolveWx };

const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '../..');

// Registers the component once for the calling test file: under jest, miniprogram-simulate
// cannot re-run a component's JS (jest's require cache ignores its delete), so a second load
// would register nothing. Returns render(props): the component attached to a page.
function loadComponent(name) {
  let componentId;
  beforeAll(() => {
    componentId = simulate.load(path.join(ROOT, 'components', name, 'index'), name, { compiler: 'simulate', rootPath: ROOT });
  });
  return function render(props) {
    const comp = simulate.render(componentId, props);
    comp.attach(document.createElement('parent-wrapper'));
    return comp;
  };
}

// The trimmed text of the first node matching `selector`, or null when there is none.
function text(comp, selector) {
  const node = comp.querySelector(selector);
  return node ? node.dom.textContent.trim() : null;
}

module.exports = { loadComponent, text };

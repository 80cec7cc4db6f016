// What WeChat's compiler refuses before anything runs: a page in app.json without its four
// files, a JSON file that does not parse, a usingComponents path to nothing, a template that
// binds a handler its page lacks.
const fs = require('fs');
const path = require('path');
const { checkComponents, templateHandlers, mountPage, ROOT } = require('./helpers/page');
const { createFakeWx } = require('./helpers/fake-wx');

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));

function jsonFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : jsonFiles(full);
    return e.name.endsWith('.json') && e.name !== 'package-lock.json' ? [full] : [];
  });
}

describe('app.json', () => {
  test('asks WeChat for the privacy check and lists every page once', () => {
    expect(app.__usePrivacyCheck__).toBe(true);
    expect(new Set(app.pages).size).toBe(app.pages.length);
    expect(app.pages[0]).toBe('pages/index/index');
  });

  test.each(app.pages)('%s has index.js, .json, .wxml and .wxss', (page) => {
    ['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
      expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true);
    });
  });

  test.each(app.pages)('%s: every usingComponents entry (and theirs) resolves to a component', (page) => {
    expect(() => checkComponents(path.join(ROOT, page))).not.toThrow();
  });

  test.each(app.pages)('%s: every handler its template binds is defined by the page', (page) => {
    const source = fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8');
    const missing = templateHandlers(fs.readFileSync(path.join(ROOT, `${page}.wxml`), 'utf8'))
      .filter((name) => !new RegExp(`\\b${name}\\s*\\(`).test(source));
    expect(missing).toEqual([]);
  });

  test('every JSON file of the mini program parses', () => {
    const files = jsonFiles(ROOT);
    expect(files.length).toBeGreaterThan(app.pages.length);
    files.forEach((file) => {
      expect(() => JSON.parse(fs.readFileSync(file, 'utf8'))).not.toThrow();
    });
  });
});

describe('the harness itself', () => {
  test('a page whose template binds a missing handler does not mount', () => {
    const wx = createFakeWx();
    const spy = jest.spyOn(fs, 'readFileSync');
    const real = spy.getMockImplementation() || jest.requireActual('fs').readFileSync;
    spy.mockImplementation((file, ...rest) => {
      const text = real(file, ...rest);
      return String(file).endsWith(path.join('pages', 'index', 'index.wxml')) ? `${text}<button bindtap="onNowhere">x</button>` : text;
    });
    expect(() => mountPage('pages/index/index', { wx })).toThrow(/onNowhere/);
  });

  test('a usingComponents path to nothing is refused', () => {
    const spy = jest.spyOn(fs, 'readFileSync');
    const real = jest.requireActual('fs').readFileSync;
    spy.mockImplementation((file, ...rest) => (String(file).endsWith(path.join('pages', 'index', 'index.json'))
      ? '{"usingComponents": {"gone": "/components/gone/index"}}'
      : real(file, ...rest)));
    expect(() => checkComponents(path.join(ROOT, 'pages/index/index'))).toThrow(/gone/);
  });
});

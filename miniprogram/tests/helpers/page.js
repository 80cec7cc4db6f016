// Page harness: mounts a page from its REAL index.js, index.wxml, index.wxss and index.json through
// miniprogram-simulate (simulate compiler), with a fake global `wx`, so a broken template, a bad
// JSON file, a missing component or a handler the template names but the page lacks fails a test.
//
//   const { mountPage } = require('../helpers/page');
//   const page = mountPage('pages/index/index', { wx: createFakeWx() });
//   page.load({ scene: 'x' });           // onLoad(options) + onShow + onReady, as WeChat does
//   await page.tap('.btn-primary');      // a real tap on the rendered node, handlers awaited
//   page.hide(); page.show(); page.unload();
//   page.text('.title'); page.exists('camera'); page.data; page.instance
//
// A Page({...}) definition becomes a Component({...}) definition the way WeChat itself builds
// pages with Component(): every function (onLoad, onShow, handlers) goes to `methods`, `data`
// stays data, other fields are copied onto the instance when it is created. Each mount runs the
// page's JS afresh (jest.isolateModules), so module-level state never leaks between tests.
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '../..');
const PAGE_EVENTS = ['onLoad', 'onShow', 'onReady', 'onHide', 'onUnload'];

function readJson(file) {
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`missing ${path.relative(ROOT, file)}`);
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path.relative(ROOT, file)} is not valid JSON: ${err.message}`);
  }
}

// The directory-less base (".../index") of a usingComponents entry, as WeChat resolves it.
function resolveComponent(fromBase, value) {
  return value.startsWith('/') ? path.join(ROOT, value) : path.join(path.dirname(fromBase), value);
}

// simulate silently skips a usingComponents entry it cannot read; WeChat refuses to compile.
function checkComponents(base, seen = new Set()) {
  if (seen.has(base)) return;
  seen.add(base);
  const json = readJson(`${base}.json`);
  Object.entries(json.usingComponents || {}).forEach(([tag, value]) => {
    const target = resolveComponent(base, value);
    ['js', 'json', 'wxml'].forEach((ext) => {
      if (!fs.existsSync(`${target}.${ext}`)) {
        throw new Error(`${path.relative(ROOT, base)}.json: component <${tag}> has no ${path.relative(ROOT, target)}.${ext}`);
      }
    });
    checkComponents(target, seen);
  });
}

// Handler names written literally in the template (bindtap="onScan", bind:retry="onRetry", catchtap=...).
function templateHandlers(wxml) {
  const names = new Set();
  const re = /\s(?:bind|catch|capture-bind|capture-catch|mut-bind):?[a-z]+="([A-Za-z_$][\w$]*)"/g;
  let m = re.exec(wxml);
  while (m) {
    names.add(m[1]);
    m = re.exec(wxml);
  }
  return [...names];
}

function pageToComponent(def) {
  const methods = {};
  const fields = {};
  Object.keys(def).forEach((key) => {
    if (key === 'data') return;
    if (typeof def[key] === 'function') methods[key] = def[key];
    else fields[key] = def[key];
  });
  return {
    data: JSON.parse(JSON.stringify(def.data || {})),
    methods,
    lifetimes: {
      created() {
        Object.assign(this, JSON.parse(JSON.stringify(fields)));
      },
    },
  };
}

// Resolve after queued promise callbacks have run. The real setTimeout, kept at load, so this
// works under jest's fake timers too (which then hold the page's own timers).
const realSetTimeout = setTimeout;
function settle(times = 5) {
  let p = Promise.resolve();
  for (let i = 0; i < times; i += 1) p = p.then(() => new Promise((r) => realSetTimeout(r, 0)));
  return p;
}

function mountPage(route, { wx } = {}) {
  const base = path.join(ROOT, route);
  ['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
    if (!fs.existsSync(`${base}.${ext}`)) throw new Error(`page ${route} has no index.${ext}`);
  });
  checkComponents(base);
  if (wx) global.wx = wx;

  let definition = null;
  global.Page = (def) => {
    definition = def;
    global.Component(pageToComponent(def));
  };
  let id;
  jest.isolateModules(() => {
    id = simulate.load(base, 'page', { compiler: 'simulate', rootPath: ROOT });
  });
  if (!definition) throw new Error(`${route}.js did not call Page()`);

  const missing = templateHandlers(fs.readFileSync(`${base}.wxml`, 'utf8')).filter((name) => typeof definition[name] !== 'function');
  if (missing.length) throw new Error(`${route}.wxml binds handlers the page lacks: ${missing.join(', ')}`);

  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  const inst = comp.instance;

  // exparser's selectors match classes and ids only; a bare tag ("button", "camera",
  // "error-notice") is looked up by walking the page's own tree (not into child components).
  const Wrapper = Object.getPrototypeOf(comp.constructor);
  const byTag = (tag) => {
    const found = [];
    const walk = (node) => {
      (node.childNodes || []).forEach((child) => {
        if (!child || !child.childNodes) return; // text nodes
        const name = child.$$ && child.$$.tagName ? child.$$.tagName.toLowerCase() : '';
        if (name === tag || name === `wx-${tag}`) {
          found.push(child.__componentNode__ || new Wrapper(child));
        }
        walk(child);
      });
    };
    walk(comp._exparserNode.shadowRoot);
    return found;
  };
  const findAll = (selector) => (/^[a-z][\w-]*$/.test(selector) ? byTag(selector) : comp.querySelectorAll(selector));
  const find = (selector) => findAll(selector)[0] || null;

  // Lifecycle calls return what the page's method returns (a promise for async ones).
  const call = (name, ...args) => (typeof inst[name] === 'function' ? inst[name](...args) : undefined);

  const page = {
    comp,
    definition,
    get instance() {
      return inst;
    },
    get data() {
      return inst.data;
    },
    load(options = {}) {
      const res = call('onLoad', options);
      call('onShow');
      call('onReady');
      return res;
    },
    show: () => call('onShow'),
    hide: () => call('onHide'),
    unload() {
      const res = call('onUnload');
      comp.detach();
      return res;
    },
    node: find,
    all: findAll,
    exists: (selector) => Boolean(find(selector)),
    text(selector) {
      const node = find(selector);
      return node ? node.dom.textContent.replace(/\s+/g, ' ').trim() : null;
    },
    // Fires `eventName` on the first node matching selector (a real event through the template's
    // bind* attribute), then lets the handler's promises settle.
    async trigger(selector, eventName, detail = {}) {
      const node = find(selector);
      if (!node) throw new Error(`no node matches ${selector}`);
      node.dispatchEvent(eventName, { detail });
      await settle();
    },
    tap(selector) {
      return page.trigger(selector, 'tap');
    },
    // The button whose text is exactly `label` (buttons are found by what the candidate reads).
    button(label) {
      return findAll('button').find((b) => b.dom.textContent.trim() === label) || null;
    },
    async tapButton(label) {
      const btn = page.button(label);
      if (!btn) throw new Error(`no button reads ${label}`);
      btn.dispatchEvent('tap');
      await settle();
    },
  };
  return page;
}

afterEach(() => {
  delete global.Page;
});

module.exports = { mountPage, settle, pageToComponent, templateHandlers, checkComponents, PAGE_EVENTS, ROOT };

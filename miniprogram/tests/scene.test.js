const { decodeScene, isValidScene, sceneFromUrl, sceneFromScanResult } = require('../utils/scene');

const BASE = 'https://exam.example.edu.cn';

describe('decodeScene: mini-program code (options.scene)', () => {
  test('returns a plain scene unchanged', () => {
    expect(decodeScene({ scene: 'Ab12Cd34Ef56Gh78' })).toBe('Ab12Cd34Ef56Gh78');
  });

  test('URL-decodes the scene WeChat passes in', () => {
    const scene = "a!#$&'()*+,/:;=?@-._~Z9";
    expect(decodeScene({ scene: encodeURIComponent(scene) })).toBe(scene);
  });

  test('accepts 1 and 32 characters, rejects 33 and empty', () => {
    expect(decodeScene({ scene: 'x' })).toBe('x');
    expect(decodeScene({ scene: 'a'.repeat(32) })).toBe('a'.repeat(32));
    expect(decodeScene({ scene: 'a'.repeat(33) })).toBeNull();
    expect(decodeScene({ scene: '' })).toBeNull();
  });

  test('rejects characters outside the WeChat scene charset', () => {
    expect(decodeScene({ scene: encodeURIComponent('abc def') })).toBeNull();
    expect(decodeScene({ scene: encodeURIComponent('abc<script>') })).toBeNull();
    expect(decodeScene({ scene: encodeURIComponent('考试云') })).toBeNull();
    expect(decodeScene({ scene: encodeURIComponent('a"b') })).toBeNull();
  });

  test('rejects %: a decoded %, and a malformed escape', () => {
    expect(decodeScene({ scene: 'abc%25' })).toBeNull(); // decodes to "abc%"
    expect(decodeScene({ scene: 'abc%' })).toBeNull(); // malformed, decodeURIComponent throws
    expect(decodeScene({ scene: 'abc%E4' })).toBeNull();
  });

  test('rejects missing options and non-string scenes', () => {
    expect(decodeScene(undefined)).toBeNull();
    expect(decodeScene({})).toBeNull();
    expect(decodeScene({ scene: 1047 })).toBeNull();
  });
});

describe('decodeScene: plain QR code (options.q)', () => {
  test('extracts the scene from <base>/m/<scene>', () => {
    const q = encodeURIComponent(`${BASE}/m/Ab12Cd34Ef56Gh78`);
    expect(decodeScene({ q })).toBe('Ab12Cd34Ef56Gh78');
  });

  test('decodes a percent-encoded scene in the path and ignores query and fragment', () => {
    const url = `${BASE}/m/${encodeURIComponent('Ab/12?x#y')}?from=qr#top`;
    expect(decodeScene({ q: encodeURIComponent(url) })).toBe('Ab/12?x#y');
  });

  test('works under a base path and over http', () => {
    expect(decodeScene({ q: encodeURIComponent('http://10.0.0.5:8000/exam/m/scene-123') })).toBe('scene-123');
  });

  test('rejects URLs that are not ours or carry no valid scene', () => {
    expect(decodeScene({ q: encodeURIComponent(`${BASE}/x/Ab12`) })).toBeNull();
    expect(decodeScene({ q: encodeURIComponent(`${BASE}/m/`) })).toBeNull();
    expect(decodeScene({ q: encodeURIComponent(`${BASE}/m/a/b`) })).toBeNull();
    expect(decodeScene({ q: encodeURIComponent(`${BASE}/m/${'a'.repeat(33)}`) })).toBeNull();
    expect(decodeScene({ q: encodeURIComponent(`${BASE}/m/abc%2525`) })).toBeNull(); // scene "abc%25"
    expect(decodeScene({ q: encodeURIComponent('weixin://m/abc') })).toBeNull();
    expect(decodeScene({ q: '%E4%' })).toBeNull();
  });

  test('options.scene wins over options.q', () => {
    expect(decodeScene({ scene: 'fromScene', q: encodeURIComponent(`${BASE}/m/fromQ`) })).toBe('fromScene');
  });
});

describe('helpers', () => {
  test('isValidScene', () => {
    expect(isValidScene('Ab-._~')).toBe(true);
    expect(isValidScene('a%b')).toBe(false);
    expect(isValidScene(null)).toBe(false);
  });

  test('sceneFromUrl needs the /m/ prefix', () => {
    expect(sceneFromUrl(`${BASE}/m/Q1w2E3r4`)).toBe('Q1w2E3r4');
    expect(sceneFromUrl('Q1w2E3r4')).toBeNull();
  });

  test('sceneFromScanResult handles both mini-program codes and plain QR codes', () => {
    expect(sceneFromScanResult({ path: `pages/scan/entry/index?scene=${encodeURIComponent('ab$12')}` })).toBe('ab$12');
    expect(sceneFromScanResult({ result: `${BASE}/m/Zz99Yy88` })).toBe('Zz99Yy88');
    expect(sceneFromScanResult({ result: 'https://other.example.com/hello' })).toBeNull();
    expect(sceneFromScanResult({ result: 'just text' })).toBeNull();
  });
});

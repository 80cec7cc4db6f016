const simulate = require('miniprogram-simulate');
const { loadComponent, text } = require('../helpers/component');

const render = loadComponent('error-notice');

describe('error-notice component', () => {
  test('shows the Chinese message, the code and the FAQ number', () => {
    const comp = render({ code: 'PAPER_RULE_MISSING', message: '调取试卷失败，请与老师联系', faq: 14 });
    expect(text(comp, '.error-notice__message')).toBe('调取试卷失败，请与老师联系');
    expect(text(comp, '.error-notice__code')).toBe('错误代码：PAPER_RULE_MISSING');
    expect(text(comp, '.error-notice__faq')).toBe('参见常见问题 FAQ 14');
  });

  test('no FAQ hint when the error has none', () => {
    const comp = render({ code: 'PAIRING_USED', message: '该二维码已被使用，请在电脑上刷新二维码后重新扫码', faq: null });
    expect(text(comp, '.error-notice__message')).toBe('该二维码已被使用，请在电脑上刷新二维码后重新扫码');
    expect(comp.querySelector('.error-notice__faq')).toBeUndefined();
  });

  test('renders nothing without a message, and appears when one is set', async () => {
    const comp = render({});
    expect(comp.querySelector('.error-notice')).toBeUndefined();
    comp.setData({ code: 'NETWORK_ERROR', message: '网络连接失败，请检查网络后重试', faq: 9 });
    await simulate.sleep(0);
    expect(text(comp, '.error-notice__message')).toBe('网络连接失败，请检查网络后重试');
    expect(text(comp, '.error-notice__faq')).toBe('参见常见问题 FAQ 9');
  });
});

// An API error as the candidate reads it: the Chinese message, its code (for the teacher on the
// phone), and the FAQ entry that explains it.
Component({
  options: {
    styleIsolation: 'isolated',
  },

  properties: {
    code: { type: String, value: '' },
    message: { type: String, value: '' },
    faq: { type: null, value: null },
  },

  data: {
    faqText: '',
  },

  observers: {
    faq(faq) {
      const n = Number(faq);
      this.setData({ faqText: faq !== null && faq !== '' && Number.isInteger(n) && n > 0 ? `常见问题 FAQ ${n}` : '' });
    },
  },
});

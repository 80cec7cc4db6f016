// WeChat's privacy consent, asked where photos are taken (answer photos, second camera, ID photo).
// Opens when WeChat needs consent (utils/privacy.js) or, on attach, when the user has not agreed
// yet; 同意 is WeChat's own agreePrivacyAuthorization button, which records the consent.
// Events: agree, disagree (the page may wait for agree before showing its <camera>).
const privacy = require('../../utils/privacy');

const AGREE_BUTTON_ID = 'privacy-popup-agree';

Component({
  options: {
    styleIsolation: 'isolated',
  },

  properties: {
    // Check on attach and open at once when consent is missing (a page that asks itself: false).
    checkOnAttach: { type: Boolean, value: true },
  },

  data: {
    show: false,
    refused: false,
    contractName: '考试云隐私保护指引',
    agreeId: AGREE_BUTTON_ID,
    refusedMessage: privacy.REFUSED_MESSAGE,
  },

  lifetimes: {
    attached() {
      privacy.register(wx);
      this.unsubscribe = privacy.subscribe({ open: () => this.openPopup() });
      if (this.data.checkOnAttach) {
        privacy.check(wx).then(({ needed, contractName }) => {
          if (contractName) this.setData({ contractName });
          if (needed) this.openPopup();
        });
      }
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe();
    },
  },

  methods: {
    openPopup() {
      this.setData({ show: true, refused: false });
    },

    onAgree(e) {
      privacy.answer('agree', (e && e.currentTarget && e.currentTarget.id) || AGREE_BUTTON_ID);
      this.setData({ show: false, refused: false });
      this.triggerEvent('agree');
    },

    onDisagree() {
      privacy.answer('disagree');
      this.setData({ show: false, refused: true });
      this.triggerEvent('disagree');
    },

    onOpenContract() {
      privacy.openContract(wx);
    },

    // After a refusal: show the popup again, so the user can still agree.
    onReview() {
      this.openPopup();
    },
  },
});

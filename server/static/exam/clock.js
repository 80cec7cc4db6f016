// The server's time (FAQ 4): how far this PC's clock is off, the clock line in the top bar, and a
// warning when the PC is more than a minute off (whether an exam can be entered goes by the server).
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, showMessage, hideMessage, fmtDateTime } = ExamPage.shared;

  function serverNow() { return Date.now() + store.get("clock").offset; }

  async function syncTime() {
    const sent = Date.now();
    try {
      const data = await api.get("/time");
      const received = Date.now();
      const server = typeof data.epoch_ms === "number" ? data.epoch_ms : Date.parse(data.server_time);
      store.set("clock", { offset: server - (sent + received) / 2, known: true });
    } catch {
      if (!store.get("clock").known) $("server-time").textContent = "服务器时间（北京时间）：暂时无法获取，请检查网络";
    }
    renderClock();
  }

  function renderClock() {
    const clock = store.get("clock");
    if (!clock.known) return;
    $("server-time").textContent = "服务器时间（北京时间）：" + fmtDateTime(serverNow());
    const skew = clock.offset;  // server minus this PC
    const warning = $("skew-warning");
    if (Math.abs(skew) > 60000) {
      const minutes = Math.max(1, Math.round(Math.abs(skew) / 60000));
      const text = "本机时间比北京时间" + (skew < 0 ? "快" : "慢") + "约 " + minutes
        + " 分钟：请核对电脑的时间是否与北京时间一致（能否进入考试以服务器时间为准）";
      if (warning.dataset.minutes !== String(minutes) || warning.hidden) {
        warning.dataset.minutes = String(minutes);
        showMessage(warning, text, 4, "warn");
      }
    } else if (!warning.hidden) {
      hideMessage(warning);
    }
    ExamPage.attempt.renderCountdown();
  }

  ExamPage.clock = { serverNow, syncTime, renderClock };
})(window);

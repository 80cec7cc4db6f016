// The attempt's live events (read by EventFeed in sse.js): a phone connected, photos arriving or
// refused, proctoring notices; and the 消息 list beside the question where they are logged.
// (Not called events.js: a browser test fakes the stream by intercepting every URL with "/events".)
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, el, toast, fmtTime } = ExamPage.shared;

  function startFeed(attemptId) {
    const feed = new ExamPage.EventFeed(api, attemptId, {
      onEvent: handleEvent,
      onFatal: (error) => { if (!ExamPage.attempt.problem(error)) logEvent("实时消息已断开：" + error.message, "warn"); },
    });
    store.set("feed", feed);
    feed.start();
  }

  function logEvent(text, kind) {
    const list = $("event-log");
    list.prepend(el("li", { className: "event event-" + (kind || "info") }, [
      el("time", { text: fmtTime(ExamPage.clock.serverNow()) }), " ", el("span", { text })]));
    while (list.children.length > 30) list.lastElementChild.remove();
  }

  function handleEvent(event) {
    const phone = ExamPage.phone;
    const data = event.data || {};
    const n = Number(data.n) || null;
    switch (event.type) {
      case "paired":
        if (n) store.get("paired").add(n);
        if (n === store.get("current")) phone.renderPhoneStatus(n);
        logEvent(data.purpose === "second_camera" ? "手机已连接（第二机位）" : "手机已连接" + (n ? "（第 " + n + " 题）" : ""), "ok");
        break;
      case "unpaired":
        if (n && data.purpose !== "second_camera") store.get("paired").delete(n);
        if (n === store.get("current")) phone.renderPhoneStatus(n);
        logEvent(data.purpose === "second_camera" ? "手机已断开（第二机位），请用手机重新扫码连接" : "手机已断开" + (n ? "（第 " + n + " 题）" : "") + "，如需继续上传请重新扫码", "warn");
        break;
      case "upload_received":
        if (n && data.photo_id && !store.get("removed").has(data.photo_id)) {
          phone.mergePhotos(n, [{ id: data.photo_id, status: "processing", url: null }], false);
          phone.renderPhotos(n);
        }
        logEvent("收到上传的照片" + (n ? "（第 " + n + " 题）" : "") + "，正在处理…", "info");
        break;
      case "photo_ready":
        if (n && data.photo_id && !store.get("removed").has(data.photo_id)) {
          phone.mergePhotos(n, [{ id: data.photo_id, status: "ready", url: data.url || null }], false);
          phone.renderPhotos(n);
          ExamPage.upload.settle(n, data.photo_id, null);
        }
        logEvent("照片已上传" + (n ? "（第 " + n + " 题）" : ""), "ok");
        break;
      case "upload_rejected":
        // A photo refused after its 202 (damaged inside) had a placeholder: it will not come.
        if (n && data.photo_id && store.get("photos").has(n)) {
          phone.dropPhoto(n, data.photo_id);
          phone.renderPhotos(n);
        }
        logEvent("照片上传失败" + (n ? "（第 " + n + " 题）" : "") + "：" + (data.message || data.reason || "请重新上传"), "warn");
        // A photo chosen on this computer shows its refusal beside its file: no toast for that.
        if (!(n && ExamPage.upload.settle(n, data.photo_id, { code: data.reason, message: data.message, faq: 21 }))) {
          toast("照片上传失败：" + (data.message || data.reason || "请重新上传"), "warn", 21);
        }
        break;
      case "flag_raised":
        logEvent("监考提示：" + (data.label || "请保持本人正对摄像头") + "。请保持本人正对摄像头、光线充足，继续作答即可", "info");
        break;
      case "face_check":
        if (data.message) logEvent("人脸识别：" + data.message, data.status === "failed" ? "warn" : "info");
        break;
      case "second_camera_lost":
        logEvent("第二机位（手机）连接中断，请用手机重新扫码连接", "warn");
        break;
      default:
        break;
    }
  }

  ExamPage.feed = { start: startFeed, log: logEvent };
})(window);

// The phone companion panel of a photo question (FAQ 21, 22): the question's QR code for the mini
// program (renewed before it expires), whether a phone is connected, and the answer photos the
// phone uploaded, which the candidate can remove here.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, el, faqBadge, toast, fmtTime, guard } = ExamPage.shared;

  function stopQr() {
    clearTimeout(store.get("qrTimer"));
    store.set("qrTimer", null);
    store.set("qrToken", store.get("qrToken") + 1);
  }

  async function loadQr(n) {
    stopQr();
    const token = store.get("qrToken");
    const image = $("qr-image");
    const status = $("qr-status");
    const retry = $("qr-retry");
    const box = $("qr-box");
    retry.hidden = true;
    status.classList.remove("qr-problem");
    const shown = store.get("qr");
    if (!shown || shown.n !== n) {
      image.hidden = true;
      image.removeAttribute("src");
      delete image.dataset.scene;
      delete box.dataset.scene;
      status.textContent = "正在获取二维码";
      box.dataset.state = "loading";
      showQrUrl(null);
    }
    if (!navigator.onLine) {
      status.textContent = "离线：恢复网络后自动获取二维码";
      status.classList.add("qr-problem");
      box.dataset.state = "offline";
      return;
    }
    const attempt = store.get("attempt");
    if (store.get("locked") || !attempt) return;
    try {
      const code = await api.post("/attempts/" + attempt.id + "/questions/" + n + "/qrcode", { purpose: "answer_photo" });
      if (token !== store.get("qrToken") || store.get("current") !== n) return;
      image.src = code.png ? "data:" + (code.content_type || "image/png") + ";base64," + code.png : code.png_url;
      image.dataset.scene = code.scene;
      box.dataset.scene = code.scene;
      box.dataset.state = "ready";
      image.hidden = false;
      const expires = Date.parse(code.expires_at);
      store.set("qr", { n, scene: code.scene, expires });
      status.textContent = "请用微信扫一扫（有效至 " + fmtTime(expires) + "，过期前自动更新）";
      showQrUrl(code.mode === "qrcode" ? code.url : null);  // a WeChat code opens only in WeChat
      // Asking again with over a minute left returns the same code: renew about a minute before.
      store.set("qrTimer", setTimeout(() => { if (store.get("current") === n) loadQr(n); },
        Math.max(5000, expires - ExamPage.clock.serverNow() - 60000)));
    } catch (error) {
      if (token !== store.get("qrToken") || ExamPage.attempt.problem(error)) return;
      store.set("qr", null);
      image.hidden = true;
      showQrUrl(null);
      box.dataset.state = "failed";
      status.replaceChildren(el("span", { text: error.code === "NETWORK_ERROR"
        ? "二维码获取失败：可能是由于在线人数过多或网速较慢造成，请稍后重新获取，或切换题目再次尝试"
        : error.message }));
      const badge = faqBadge(error.code === "NETWORK_ERROR" ? 22 : error.faq);
      if (badge) status.append(" ", badge);
      status.classList.add("qr-problem");
      retry.hidden = false;
    }
  }

  // Under a plain QR code, its URL: any phone browser opens it (the web companion at /m/<scene>).
  function showQrUrl(url) {
    const link = $("qr-url");
    $("qr-link").hidden = !url;
    link.textContent = url || "";
    if (url) link.href = url;
    else link.removeAttribute("href");
  }

  async function copyQrUrl() {
    const url = $("qr-url").textContent;
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      toast("链接已复制，可发到手机上用浏览器打开", "ok");
    } catch {
      global.getSelection().selectAllChildren($("qr-url"));  // no clipboard here (plain http): select it
      toast("请按 Ctrl+C 复制已选中的链接", "info");
    }
  }

  function renderPhoneStatus(n) {
    const status = $("phone-status");
    const paired = store.get("paired").has(n);
    status.textContent = paired ? "手机已连接" : "手机未连接";
    status.classList.toggle("paired", paired);
  }

  // ---------- answer photos ----------

  function mergePhotos(n, list, fromServer) {
    const removed = store.get("removed");
    const photos = store.get("photos").get(n) || new Map();
    if (fromServer) {
      // The server's list is complete for this question: drop what it no longer has.
      const ids = new Set(list.map((photo) => photo.id));
      Array.from(photos.keys()).forEach((id) => { if (!ids.has(id)) photos.delete(id); });
    }
    list.forEach((photo) => {
      if (removed.has(photo.id)) return;
      const known = photos.get(photo.id) || {};
      photos.set(photo.id, {
        id: photo.id,
        status: known.status === "ready" ? "ready" : (photo.status || "processing"),
        url: photo.url || known.url || null,
      });
    });
    store.get("photos").set(n, photos);
  }

  // A photo that will not come (removed here, or refused after its upload was accepted).
  function dropPhoto(n, photoId) {
    store.get("removed").add(photoId);
    const photos = store.get("photos").get(n);
    if (photos) photos.delete(photoId);
  }

  function renderPhotos(n) {
    if (n !== store.get("current")) return;
    const list = $("photo-list");
    list.replaceChildren();
    const photos = Array.from((store.get("photos").get(n) || new Map()).values()).sort((a, b) => a.id - b.id);
    photos.forEach((photo, index) => {
      const label = "第 " + (index + 1) + " 张照片";
      const content = photo.url
        ? el("img", { src: photo.url, alt: "第 " + n + " 题" + label, className: "thumb", dataset: { photoId: String(photo.id) } })
        : el("div", { className: "thumb thumb-pending", text: "照片处理中…" });
      const remove = el("button", { type: "button", className: "link-button danger", text: "删除", "aria-label": "删除" + label });
      remove.disabled = store.get("locked");
      remove.addEventListener("click", guard(() => removePhoto(n, photo.id, remove)));
      list.append(el("li", { className: "photo-item", dataset: { photoId: String(photo.id), status: photo.status } }, [content, remove]));
    });
    if (!photos.length) list.append(el("li", { className: "muted", text: "还没有上传照片" }));
  }

  async function removePhoto(n, photoId, button) {
    const attempt = store.get("attempt");
    if (!attempt) return;
    button.disabled = true;
    try {
      await api.del("/attempts/" + attempt.id + "/photos/" + photoId);
      dropPhoto(n, photoId);
      renderPhotos(n);
      ExamPage.feed.log("已删除第 " + n + " 题的一张照片", "info");
    } catch (error) {
      button.disabled = false;
      if (!ExamPage.attempt.problem(error)) toast(error.message, "error", error.faq);
    }
  }

  ExamPage.phone = { stopQr, loadQr, copyQrUrl, renderPhoneStatus, mergePhotos, dropPhoto, renderPhotos };
})(window);

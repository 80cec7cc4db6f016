// "从本电脑上传" on a photo question (FAQ 21): for a candidate whose phone has no network. The chosen
// files go to the same intake as the phone's photos (POST /attempts/{id}/questions/{n}/photos), one
// after another, each with its own progress bar; a photo then arrives as a phone's does (upload_received,
// photo_ready: feed.js) and is listed and removed in the same place (phone.js). Files are sent as they
// are: the server turns them upright, downscales them and drops their GPS, and the desktop's network is
// good -- a canvas re-encode here could not read HEIC and would strip the orientation the server reads.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, el, faqBadge, toast, guard } = ExamPage.shared;
  const ApiError = global.ExamCloud.ApiError;

  let sending = Promise.resolve();  // files are sent one at a time, in the order chosen

  function uploadId() {
    const random = global.crypto && global.crypto.randomUUID
      ? global.crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
    return "desk-" + random;  // [A-Za-z0-9_-]{1,64}: a retry sends the same id
  }

  // One file with XMLHttpRequest (fetch cannot report upload progress). Resolves with the 202's
  // body; rejects with an ApiError carrying the server's code and Chinese message.
  function send(attemptId, item) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/attempts/" + attemptId + "/questions/" + item.n + "/photos");
      if (api.token) xhr.setRequestHeader("Authorization", "Bearer " + api.token);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) progress(item, event.loaded / event.total);
      });
      xhr.addEventListener("load", () => {
        let body = null;
        try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { body = null; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(new ApiError(xhr.status, body));
      });
      xhr.addEventListener("error", () => reject(new ApiError(0, null)));
      xhr.addEventListener("abort", () => reject(new ApiError(0, null)));
      const form = new FormData();
      form.append("upload_id", item.uploadId);
      form.append("file", item.file, item.file.name || "photo.jpg");
      xhr.send(form);
    });
  }

  function items(n) {
    const all = store.get("deskUploads");
    if (!all.has(n)) all.set(n, []);
    return all.get(n);
  }

  function choose(files) {
    const attempt = store.get("attempt");
    const n = store.get("current");
    if (!attempt || store.get("locked") || !files.length) return;
    // Rows that are over (ready or failed) make way for the new ones; until then they stay.
    const list = items(n).filter((item) => item.state === "waiting" || item.state === "sending" || item.state === "done");
    store.get("deskUploads").set(n, list);
    Array.from(files).forEach((file) => {
      const item = {
        n, file, uploadId: uploadId(), state: "waiting", fraction: 0, error: null, node: null, photoId: null, settledAt: 0,
      };
      list.push(item);
      queue(attempt.id, item);
    });
    render(n);
  }

  function queue(attemptId, item) {
    // A slip in one file's handling must not hold up the files after it.
    sending = sending.then(() => upload(attemptId, item)).catch((error) => {
      toast("页面出现异常：" + (error && error.message ? error.message : error), "error");
    });
  }

  async function upload(attemptId, item) {
    const attempt = store.get("attempt");
    if (!attempt || attempt.id !== attemptId || store.get("locked")) {
      setState(item, "failed", { message: "考试已结束，照片未上传" });
      return;
    }
    setState(item, "sending");
    try {
      const photo = await send(attemptId, item);
      if (photo && photo.id && photo.status !== "rejected" && !store.get("removed").has(photo.id)) {
        // A placeholder until photo_ready brings the picture, as for the phone's upload_received.
        ExamPage.phone.mergePhotos(item.n, [{ id: photo.id, status: photo.status, url: null }], false);
        ExamPage.phone.renderPhotos(item.n);
      }
      item.photoId = photo && photo.id;
      const known = photo && (store.get("photos").get(item.n) || new Map()).get(photo.id);
      if (photo && photo.status === "rejected") setState(item, "failed", { message: "照片已损坏，请重新选择" });
      else setState(item, known && known.status === "ready" ? "ready" : "done");  // photo_ready may come first
    } catch (error) {
      if (ExamPage.attempt.problem(error)) {
        setState(item, "failed", error);
        return;
      }
      setState(item, "failed", error.code === "NETWORK_ERROR"
        ? { code: error.code, message: "网络异常，照片未上传，请检查网络后重试" }
        : error);
    }
  }

  function setState(item, state, error) {
    item.state = state;
    item.error = error || null;
    item.settledAt = Date.now();
    if (state === "done") item.fraction = 1;
    render(item.n);
  }

  // From the event feed: photo `photoId` of question n is ready (error null) or was refused.
  // Returns whether a file chosen here shows it (a refusal at the intake has no photo id: the file
  // on its way, whose answer says the same, or the one that failed with that code a moment ago).
  function settle(n, photoId, error) {
    const list = store.get("deskUploads").get(n) || [];
    const item = photoId
      ? list.find((each) => each.photoId === photoId)
      : list.find((each) => each.state === "sending" || (each.state === "failed" && each.error &&
          each.error.code === error.code && Date.now() - each.settledAt < 10000));
    if (!item) return false;
    if (!photoId) return true;
    setState(item, error ? "failed" : "ready", error);
    return true;
  }

  function progress(item, fraction) {
    item.fraction = fraction;
    if (item.node) {
      item.node.querySelector("progress").value = Math.round(fraction * 100);
    }
  }

  const LABELS = {
    waiting: "等待上传", sending: "正在上传", done: "上传完成，正在处理…", ready: "已上传", failed: "上传失败",
  };

  function render(n) {
    if (n !== store.get("current")) return;
    const list = $("desk-uploads");
    list.replaceChildren();
    items(n).forEach((item) => {
      const bar = el("progress", { max: "100", value: String(Math.round(item.fraction * 100)),
        "aria-label": item.file.name + " 上传进度" });
      const status = el("span", { className: "desk-upload-status", text: LABELS[item.state] });
      const row = el("li", { className: "desk-upload", dataset: { state: item.state } },
        [el("span", { className: "desk-upload-name", text: item.file.name }), bar, status]);
      if (item.error) {
        const message = el("span", { className: "desk-upload-error", role: "alert", text: item.error.message });
        const badge = faqBadge(item.error.faq);
        if (badge) message.append(" ", badge);
        row.append(message);
        if (item.error.code === "NETWORK_ERROR" || item.error.code === "UPLOAD_RATE_LIMITED") {
          // The same upload id: if the first try did arrive, the server answers its photo again.
          const retry = el("button", { type: "button", className: "link-button", text: "重试" });
          retry.addEventListener("click", () => {
            if (!store.get("attempt")) return;
            setState(item, "waiting");
            queue(store.get("attempt").id, item);
          });
          row.append(retry);
        }
      }
      item.node = row;
      list.append(row);
    });
  }

  function renderControls(n) {
    $("desk-upload-button").disabled = store.get("locked");
    render(n);
  }

  function bind() {
    const input = $("desk-file");
    $("desk-upload-button").addEventListener("click", () => { if (!store.get("locked")) input.click(); });
    input.addEventListener("change", guard(() => {
      choose(Array.from(input.files || []));
      input.value = "";  // choosing the same file again is a new upload
    }));
  }

  ExamPage.upload = { bind, renderControls, settle };
})(window);

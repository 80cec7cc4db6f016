// The web companion's page: pairs with the scene from the address (then takes the scene out of
// it), keeps the phone session and pairing across reloads, and runs the answer-photo queue or
// the second camera. The phone session is this browser's: it is sent again when the next code
// is scanned, so the browser stays the same phone (one phone serves one candidate per exam).
(function (global) {
  "use strict";

  const WebCompanion = global.WebCompanion;
  const TOKEN_KEY = "examcloud.m.token";
  const PAIRINGS_KEY = "examcloud.m.pairings";
  const $ = (id) => document.getElementById(id);
  const STATUS_TEXT = { pending: "等待上传", compressing: "正在压缩", uploading: "正在上传",
    waiting: "网络异常，稍后自动重试", failed: "上传失败", done: "已上传" };
  // Titles of the states where this page can do nothing more for the code.
  const TITLES = { PAIRING_EXPIRED: "二维码已过期", PAIRING_USED: "二维码已被使用",
    PAIRING_ENDED: "配对已结束", ATTEMPT_SUBMITTED: "考试已交卷", PAIRING_NOT_FOUND: "二维码无效",
    PHONE_IN_USE: "这台手机不能再为其他考生使用", WEB_COMPANION_DISABLED: "请使用微信扫一扫",
    RATE_LIMITED: "请求过于频繁" };

  const state = { pairing: null, uploader: null, camera: null };

  function pairings() {
    try { return JSON.parse(localStorage.getItem(PAIRINGS_KEY)) || {}; } catch { return {}; }
  }

  function savePairing(pairing) {
    const all = pairings();
    all[pairing.pairing_id] = pairing;
    localStorage.setItem(PAIRINGS_KEY, JSON.stringify(all));
  }

  function forgetPairing(pairingId) {
    const all = pairings();
    delete all[pairingId];
    localStorage.setItem(PAIRINGS_KEY, JSON.stringify(all));
  }

  function show(title, text, kind) {
    $("title").textContent = title;
    $("status").textContent = text;
    $("status").dataset.state = kind;
  }

  function finish(body, fallbackTitle) {
    const code = body && body.code;
    show(TITLES[code] || fallbackTitle || "无法继续", (body && body.message) || "请在电脑上刷新二维码后重新扫码", "ended");
    document.body.dataset.state = "ended";
    $("end-panel").hidden = true;
    for (const id of ["take-photo", "pick-photos"]) $(id).disabled = true;
    if (state.camera) state.camera.stop();
    $("camera-panel").hidden = true;
    if (code === "PAIRING_ENDED" || code === "ATTEMPT_SUBMITTED" || code === "PAIRING_NOT_FOUND") {
      if (state.pairing) forgetPairing(state.pairing.pairing_id);
    }
  }

  async function pair(scene) {
    show("正在连接电脑…", "正在验证二维码，请稍候", "pairing");
    $("pair-retry").hidden = true;
    const headers = { "Content-Type": "application/json" };
    const token = localStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetch("/api/v1/pairings/web", { method: "POST", headers, body: JSON.stringify({ scene }) });
    } catch {
      show("网络异常", "无法连接服务器，请检查手机网络后点“重试”", "problem");
      $("pair-retry").hidden = false;
      $("pair-retry").onclick = () => pair(scene);
      return;
    }
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    // The scene is a one-time secret: out of the address bar and history once it was used.
    history.replaceState(null, "", response.ok ? "/m/?pairing=" + body.pairing_id : "/m/");
    if (!response.ok) {
      if (response.status >= 500 || response.status === 429) {
        show(TITLES[body && body.code] || "服务器繁忙", (body && body.message) || "请稍后重试", "problem");
        history.replaceState(null, "", "/m/" + encodeURIComponent(scene));  // a retry still needs it
        $("pair-retry").hidden = false;
        $("pair-retry").onclick = () => pair(scene);
        return;
      }
      finish(body, "无法连接");
      return;
    }
    localStorage.setItem(TOKEN_KEY, body.access_token);
    const pairing = { pairing_id: body.pairing_id, attempt_id: body.attempt_id, question: body.question,
      purpose: body.purpose };
    savePairing(pairing);
    start(pairing);
  }

  function start(pairing) {
    state.pairing = pairing;
    document.body.dataset.pairingId = pairing.pairing_id;
    document.body.dataset.purpose = pairing.purpose;
    document.body.dataset.state = "paired";
    const token = localStorage.getItem(TOKEN_KEY);
    $("end-panel").hidden = false;
    if (pairing.purpose === "second_camera") {
      show("已连接电脑", "第 " + pairing.question + " 题 · 第二机位", "paired");
      $("camera-panel").hidden = false;
      state.camera = new WebCompanion.SecondCamera({ token, pairingId: pairing.pairing_id,
        intervalMs: Number(document.body.dataset.snapshotMs) || 5000, video: $("camera-video"),
        onStatus: (kind, text) => {
          $("camera-status").textContent = text;
          $("camera-status").dataset.state = kind;
          $("camera-retry").hidden = kind !== "failed";
        },
        onSent: (count) => { $("snapshot-count").textContent = String(count); },
        onFatal: (body) => finish(body) });
      $("camera-retry").onclick = () => { state.camera.tries = 0; state.camera.start(); };
      state.camera.start();
      return;
    }
    show("已连接电脑", "第 " + pairing.question + " 题 · 拍照上传答案", "paired");
    $("photo-panel").hidden = false;
    state.uploader = new WebCompanion.Uploader({ token, pairingId: pairing.pairing_id,
      onChange: render, onFatal: (body) => finish(body) });
    state.uploader.load().catch(() => show("已连接电脑", "本机无法保存待上传的照片（浏览器存储不可用），请勿关闭本页", "problem"));
  }

  function render(item) {
    let row = $("queue").querySelector("[data-upload-id='" + item.upload_id + "']");
    if (item.removed) {
      if (row) { URL.revokeObjectURL(row.querySelector("img").src); row.remove(); }
      return renderSummary();
    }
    if (!row) {
      row = document.createElement("li");
      row.dataset.uploadId = item.upload_id;
      const thumb = document.createElement("img");
      thumb.alt = "照片缩略图";
      thumb.src = URL.createObjectURL(item.blob);
      const info = document.createElement("div");
      info.className = "info";
      const label = document.createElement("span");
      label.className = "label";
      const bar = document.createElement("progress");
      bar.max = 1;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button small";
      remove.textContent = "删除";
      remove.addEventListener("click", () => state.uploader.remove(item.upload_id));
      info.append(label, bar);
      row.append(thumb, info, remove);
      $("queue").prepend(row);
    }
    if (item.status !== "compressing" && item.blob && !row.dataset.compressedShown) {
      const thumb = row.querySelector("img");
      URL.revokeObjectURL(thumb.src);
      thumb.src = URL.createObjectURL(item.blob);  // the bytes that are sent
      row.dataset.compressedShown = "true";
    }
    row.dataset.status = item.status;
    const percent = Math.round((item.progress || 0) * 100);
    let text = STATUS_TEXT[item.status];
    if (item.status === "uploading") text += " " + percent + "%";
    if (item.status === "waiting" && item.offline) text = "离线，恢复网络后自动上传";
    if (item.status === "failed" && item.message) text = item.message;
    row.querySelector(".label").textContent = text;
    row.querySelector("progress").value = item.status === "done" ? 1 : item.progress || 0;
    row.querySelector("button").hidden = item.status === "done";
    renderSummary();
  }

  function renderSummary() {
    const rows = $("queue").children.length;
    $("queue-empty").hidden = rows > 0;
    $("retry-all").hidden = !$("queue").querySelector("[data-status='failed'], [data-status='waiting']");
  }

  async function endPairing() {
    const pairing = state.pairing;
    const left = state.uploader ? state.uploader.waitingCount() : 0;
    if (left && !confirm("还有 " + left + " 张照片未上传，结束配对后将无法再上传，确定结束吗？")) return;
    $("end-pairing").disabled = true;
    try {
      const response = await fetch("/api/v1/pairings/" + pairing.pairing_id,
        { method: "DELETE", headers: { Authorization: "Bearer " + localStorage.getItem(TOKEN_KEY) } });
      if (!response.ok && response.status !== 404 && response.status !== 410) throw new Error(String(response.status));
    } catch {
      $("end-pairing").disabled = false;
      show("已连接电脑", "网络异常，未能结束配对，请稍后重试", "problem");
      return;
    }
    if (state.uploader) {
      state.uploader.stop();
      for (const id of [...state.uploader.items.keys()]) await state.uploader.remove(id);
    }
    finish({ code: "PAIRING_ENDED", message: "已结束配对，本手机不再为这道题上传。如需继续，请在电脑上刷新二维码后重新扫码" });
  }

  function main() {
    $("end-pairing").addEventListener("click", endPairing);
    $("retry-all").addEventListener("click", () => state.uploader && state.uploader.retryAll());
    for (const id of ["take-photo", "pick-photos"]) {
      $(id).addEventListener("change", async (event) => {
        const files = [...event.target.files];
        event.target.value = "";  // the same photo may be chosen again
        for (const file of files) await state.uploader.add(file);
      });
    }
    const match = location.pathname.match(/^\/m\/(.+)$/);
    if (match) { pair(decodeURIComponent(match[1])); return; }
    const id = new URLSearchParams(location.search).get("pairing");
    const pairing = id && pairings()[id];
    if (pairing && localStorage.getItem(TOKEN_KEY)) start(pairing);
    else show("请扫描二维码", "请用手机相机扫描电脑屏幕上的二维码", "idle");
  }

  WebCompanion.app = { state };
  main();
})(window);

// What every module of the desktop exam page uses: the API client (common/api.js), the webcam
// (camera.js), DOM building, messages and toasts, Beijing-time formatting, JSON in
// sessionStorage/localStorage, the guard for async handlers and switching between the views.
(function (global) {
  "use strict";

  const ExamCloud = global.ExamCloud;
  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const api = new ExamCloud.Api("exam-token");
  const webcam = new ExamPage.Camera();  // one webcam for the face check and the monitor

  const $ = (id) => document.getElementById(id);
  const VIEWS = ["login", "exams", "face", "exam", "result"];
  // sessionStorage: the logged-in candidate, and the attempt to resume after a reload.
  const USER_KEY = "exam-user";
  const ACTIVE_KEY = "examcloud.active";

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach((name) => {
      const value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach((child) => { if (child) node.append(child); });
    return node;
  }

  function faqBadge(faq) { return faq ? el("span", { className: "faq", text: "FAQ " + faq }) : null; }

  // An error or notice box: the server's message and, when it has one, the FAQ entry.
  function showMessage(box, text, faq, kind) {
    box.replaceChildren(el("span", { className: "message-text", text }));
    const badge = faqBadge(faq);
    if (badge) box.append(" ", badge);
    box.classList.remove("message-error", "message-info", "message-ok", "message-warn");
    box.classList.add("message-" + (kind || "error"));
    box.hidden = false;
  }

  function hideMessage(box) { box.hidden = true; box.replaceChildren(); }

  function toast(text, kind, faq) {
    const item = el("div", { className: "toast toast-" + (kind || "info"), role: kind === "error" ? "alert" : "status" },
      [el("span", { text }), faq ? " " : null, faqBadge(faq)]);
    $("toasts").append(item);
    setTimeout(() => item.remove(), 8000);
  }

  const pad = (value) => String(value).padStart(2, "0");
  const beijing = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const beijingShort = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const beijingTime = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const fmtDateTime = (ms) => beijing.format(new Date(ms));
  const fmtShort = (ms) => beijingShort.format(new Date(ms));
  const fmtTime = (ms) => beijingTime.format(new Date(ms));

  function fmtScore(value) {
    const number = Number(value);
    return Number.isInteger(number) ? String(number) : number.toFixed(1);
  }

  function isAnswered(value) {
    if (value === null || value === undefined) return false;
    if (typeof value === "string") return value.trim() !== "";
    if (Array.isArray(value)) return value.some((item) => item !== null && String(item).trim() !== "");
    return true;
  }

  function readJson(storage, key) {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch { return null; }
  }

  function writeJson(storage, key, value) {
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(value));
    } catch { /* storage unavailable: only convenience is lost */ }
  }

  // Run an async handler without letting a rejection escape.
  function guard(fn) {
    return function (...args) {
      Promise.resolve().then(() => fn.apply(this, args)).catch((error) => {
        if (error instanceof ExamCloud.ApiError) toast(error.message, "error", error.faq);
        else toast("页面出现异常：" + (error && error.message ? error.message : error), "error");
      });
    };
  }

  // Show one of the views; outside the face check and an attempt the webcam is switched off.
  function show(name) {
    VIEWS.forEach((view) => { $("view-" + view).hidden = view !== name; });
    store.set("view", name);
    document.body.dataset.view = name;
    const heading = $("view-" + name).querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    if (name !== "face" && !store.get("attempt") && webcam.active) webcam.stop();
  }

  ExamPage.shared = {
    api, webcam, USER_KEY, ACTIVE_KEY,
    $, el, faqBadge, showMessage, hideMessage, toast, show,
    pad, fmtDateTime, fmtShort, fmtTime, fmtScore, isAnswered, readJson, writeJson, guard,
  };
})(window);

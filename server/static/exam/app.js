// 考试云 考生端 (desktop exam page): login, exam list, face check, answering with autosave and an
// offline queue, per-question QR codes for the phone, live events, webcam snapshots, submit, result.
(function (global) {
  "use strict";

  const ExamCloud = global.ExamCloud;
  const ExamPage = global.ExamPage;
  const api = new ExamCloud.Api("exam-token");
  const camera = new ExamPage.Camera();
  const cam = ExamPage.camera;

  const $ = (id) => document.getElementById(id);
  const VIEWS = ["login", "exams", "face", "exam", "result"];
  const TYPE_LABELS = { single: "单选题", multiple: "多选题", judge: "判断题", fill: "填空题", essay: "简答题", photo: "拍照题" };
  const STATE_LABELS = { upcoming: "未开始", open: "可进入", closed: "已结束", finished: "已交卷" };
  const SAVE_TEXT = {
    saved: "已保存", saving: "保存中…", offline: "离线，恢复网络后自动保存",
    retrying: "保存失败，正在重试…", stopped: "本机已停止保存",
  };
  const RESULT_LABELS = { in_progress: "考试进行中", grading: "成绩计算中", pending_review: "待审核", published: "成绩已公布", rejected: "成绩无效" };
  const RESULT_FAQ = { grading: 17, pending_review: 18 };
  const PHOTO_TYPES = ["essay", "photo"];
  const BLACK_LUMINANCE = 12;
  const USER_KEY = "exam-user";
  const ACTIVE_KEY = "examcloud.active";

  // Everything about the attempt being answered now.
  const S = {
    view: null,
    user: null,
    exams: [],
    exam: null,
    attempt: null,        // {id, examId, count, deadline (ms), course}
    queue: null,          // AnswerQueue
    feed: null,           // EventFeed
    views: new Map(),     // n -> question view from the server
    values: new Map(),    // n -> the answer as the candidate last left it
    photos: new Map(),    // n -> Map(photo id -> {id, status, url})
    removed: new Set(),   // photo ids removed here (stale views must not bring them back)
    paired: new Set(),    // question numbers with a phone connected
    current: 0,
    questionToken: 0,
    qrToken: 0,
    qrTimer: null,
    qr: null,
    locked: false,        // moved to another computer or submitted: no more answering here
    timers: [],
    reported: new Set(),  // integrity codes already reported in this attempt
    snapshotBusy: false,
    heartbeatBusy: false,
    submitting: false,    // no snapshot or heartbeat starts while a submit is on its way
    snapshotsSent: 0,
    timeUp: false,
    resultTimer: null,
    resultAttempt: null,
    faceBusy: false,
  };

  // ---------- small helpers ----------

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

  function every(ms, fn) {
    const id = setInterval(fn, ms);
    S.timers.push(id);
    return id;
  }

  function readJson(storage, key) {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch (error) { return null; }
  }

  function writeJson(storage, key, value) {
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(value));
    } catch (error) { /* storage unavailable: only convenience is lost */ }
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

  // ---------- server time (FAQ 4) ----------

  const Clock = { offset: 0, known: false };

  function serverNow() { return Date.now() + Clock.offset; }

  async function syncTime() {
    const sent = Date.now();
    try {
      const data = await api.get("/time");
      const received = Date.now();
      const server = typeof data.epoch_ms === "number" ? data.epoch_ms : Date.parse(data.server_time);
      Clock.offset = server - (sent + received) / 2;
      Clock.known = true;
    } catch (error) {
      if (!Clock.known) $("server-time").textContent = "服务器时间（北京时间）：暂时无法获取，请检查网络";
    }
    renderClock();
  }

  function renderClock() {
    if (!Clock.known) return;
    $("server-time").textContent = "服务器时间（北京时间）：" + fmtDateTime(serverNow());
    const skew = Clock.offset;  // server minus this PC
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
    renderCountdown();
  }

  // ---------- views ----------

  function show(name) {
    VIEWS.forEach((view) => { $("view-" + view).hidden = view !== name; });
    S.view = name;
    document.body.dataset.view = name;
    const heading = $("view-" + name).querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    if (name !== "face" && !S.attempt) stopCameraIfIdle();
  }

  function renderAccount() {
    const box = $("account");
    if (!S.user) { box.hidden = true; return; }
    const number = S.user.student_no || S.user.username || "";
    $("account-name").textContent = S.user.name + (number ? "（" + number + "）" : "");
    box.hidden = false;
  }

  function clientVersion() {
    const value = (document.body.dataset.clientVersion || "").trim();
    return value || null;
  }

  // ---------- login ----------

  async function login(event) {
    event.preventDefault();
    const username = $("login-username").value.trim();
    const password = $("login-password").value;
    const box = $("login-error");
    if (!username || !password) {
      showMessage(box, "请输入用户名（学号或身份证号）和密码", null);
      return;
    }
    hideMessage(box);
    const button = $("login-button");
    button.disabled = true;
    button.textContent = "正在登录…";
    try {
      const data = await api.post("/auth/login", {
        username, password,
        // A web page cannot look for remote-assist tools or virtual devices: it reports none.
        env_check: { codes: [], remote_tools: [], client_version: clientVersion() },
      });
      if (data.role !== "candidate") {
        showMessage(box, "请使用考生账号登录；教师请使用管理端", null);
        return;
      }
      api.token = data.access_token;
      S.user = data.user;
      writeJson(sessionStorage, USER_KEY, data.user);
      $("login-password").value = "";
      renderAccount();
      await showExams();
    } catch (error) {
      showMessage(box, error.message, error.faq);
    } finally {
      button.disabled = false;
      button.textContent = "登录";
    }
  }

  function logout(message) {
    closeAttempt();
    stopResult();
    camera.stop();
    api.token = null;
    S.user = null;
    writeJson(sessionStorage, USER_KEY, null);
    writeJson(sessionStorage, ACTIVE_KEY, null);
    renderAccount();
    show("login");
    if (message) showMessage($("login-error"), message, null, "info");
    else hideMessage($("login-error"));
  }

  function sessionLost(error) {
    if (error && (error.status === 401 || /^TOKEN_/.test(error.code || ""))) {
      logout(error.message || "登录已失效，请重新登录");
      return true;
    }
    return false;
  }

  // ---------- exam list (FAQ 4, 11) ----------

  function knownAttempts() {
    return (S.user && readJson(localStorage, "examcloud.attempts." + S.user.id)) || {};
  }

  function rememberAttempt(examId, attemptId) {
    if (!S.user) return;
    const known = knownAttempts();
    known[examId] = attemptId;
    writeJson(localStorage, "examcloud.attempts." + S.user.id, known);
  }

  async function showExams() {
    closeAttempt();
    stopResult();
    show("exams");
    await loadExams();
  }

  async function loadExams() {
    const error = $("exams-error");
    hideMessage(error);
    $("exams-loading").hidden = false;
    try {
      S.exams = await api.get("/me/exams");
      renderExams();
    } catch (failure) {
      if (sessionLost(failure)) return;
      showMessage(error, failure.message, failure.faq);
    } finally {
      $("exams-loading").hidden = true;
    }
  }

  function renderExams() {
    const body = $("exam-list");
    body.replaceChildren();
    $("exams-empty").hidden = S.exams.length > 0;
    $("exam-table").hidden = S.exams.length === 0;
    const known = knownAttempts();
    S.exams.forEach((exam) => {
      const reasonId = "exam-reason-" + exam.exam_id;
      const enter = el("button", {
        type: "button", className: "primary", text: "进入考试", "aria-describedby": reasonId,
        dataset: { examId: String(exam.exam_id) },
      });
      enter.disabled = !exam.can_enter;
      enter.addEventListener("click", guard(() => enterExam(exam)));
      const actions = el("td", { className: "exam-actions" }, [enter]);
      if (known[exam.exam_id] && (exam.state === "finished" || exam.state === "closed")) {
        const score = el("button", { type: "button", className: "secondary", text: "客观分" });
        score.addEventListener("click", () => showResult(known[exam.exam_id], exam));
        actions.append(score);
      }
      const course = exam.course || {};
      body.append(el("tr", { dataset: { examId: String(exam.exam_id), state: exam.state } }, [
        el("td", {}, [el("strong", { text: course.name || "" }), el("div", { className: "muted", text: course.code || "" })]),
        el("td", { text: fmtShort(Date.parse(exam.starts_at)) + " 至 " + fmtShort(Date.parse(exam.ends_at)) }),
        el("td", { text: exam.duration_minutes + " 分钟" }),
        el("td", {}, [el("span", { className: "state state-" + exam.state, text: STATE_LABELS[exam.state] || exam.state })]),
        el("td", { id: reasonId, className: exam.can_enter ? "reason" : "reason reason-blocked", text: exam.reason || "" }),
        actions,
      ]));
    });
  }

  async function enterExam(exam) {
    hideMessage($("exams-error"));
    S.exam = exam;
    const active = readJson(sessionStorage, ACTIVE_KEY);
    const resumingHere = active && active.examId === exam.exam_id;
    // Without a recent pass the server answers FACE_CHECK_REQUIRED: go to the check first.
    if (exam.face_check_required && !resumingHere) {
      await showFace(exam);
      return;
    }
    await startAttempt(exam, $("exams-error"));
  }

  async function startAttempt(exam, errorBox) {
    try {
      const started = await api.post("/exams/" + exam.exam_id + "/attempts");
      await openAttempt(exam, started);
    } catch (error) {
      if (sessionLost(error)) return;
      if (error.code === "FACE_CHECK_REQUIRED") {
        await showFace(exam, error);
        return;
      }
      if (error.code === "ATTEMPT_SUBMITTED") {
        const attemptId = knownAttempts()[exam.exam_id];
        writeJson(sessionStorage, ACTIVE_KEY, null);
        if (attemptId) { showResult(attemptId, exam); return; }
      }
      if (S.view !== "exams" && errorBox === $("exams-error")) show("exams");
      showMessage(errorBox, error.message, error.faq);
    }
  }

  // ---------- face check (FAQ 6, 7, 8, 9, 20) ----------

  async function showFace(exam, reason) {
    S.exam = exam;
    show("face");
    $("face-course").textContent = (exam.course && exam.course.name) || "";
    const result = $("face-result");
    if (reason) showMessage(result, reason.message, reason.faq, "info");
    else hideMessage(result);
    loadBasePhoto();
    await openFaceCamera();
  }

  async function loadBasePhoto() {
    const image = $("base-photo");
    const status = $("base-photo-status");
    image.hidden = true;
    status.hidden = false;
    status.classList.remove("frame-problem");
    status.textContent = "正在获取底照…";
    try {
      const state = await api.get("/me/base-photo");
      const active = state && state.active;
      if (active && active.url) {
        image.onload = () => { status.hidden = true; image.hidden = false; };
        image.onerror = () => { status.textContent = "底照加载失败，请点击“返回待考列表”后重新进入"; };
        image.src = active.url;
      } else {
        const processing = state && state.latest && state.latest.status === "processing";
        status.textContent = processing ? "底照正在处理中，请稍后刷新" : "没有底照，请与学校老师联系";
        status.classList.add("frame-problem");
      }
    } catch (error) {
      if (sessionLost(error)) return;
      status.textContent = error.message;
    }
  }

  async function openFaceCamera(deviceId) {
    const status = $("camera-status");
    const video = $("face-video");
    $("face-capture").disabled = true;
    $("camera-retry").hidden = true;
    status.hidden = false;
    status.classList.remove("frame-problem");
    status.textContent = "正在打开摄像头…";
    try {
      if (!camera.active || (deviceId && deviceId !== camera.deviceId)) await camera.start(deviceId);
      cam.attach(video, camera.stream);
      const ready = await cam.frameReady(video, 8000);
      if (!ready) throw Object.assign(new Error("no frames"), { name: "NotReadableError" });
      status.hidden = true;
      $("face-capture").disabled = false;
      await fillCameraPicker();
    } catch (error) {
      const problem = cam.cameraProblem(error);
      status.textContent = problem.text;
      status.classList.add("frame-problem");
      showMessage($("face-result"), problem.text, problem.faq);
      $("camera-retry").hidden = false;
      await fillCameraPicker().catch(() => {});
    }
  }

  async function fillCameraPicker() {
    const select = $("camera-select");
    let devices = [];
    try { devices = await camera.devices(); } catch (error) { devices = []; }
    select.replaceChildren();
    devices.forEach((device, index) => {
      const option = el("option", { value: device.deviceId, text: device.label || ("摄像头 " + (index + 1)) });
      if (device.deviceId === camera.deviceId) option.selected = true;
      select.append(option);
    });
    select.disabled = devices.length < 2 && camera.active;
    if (!devices.length) select.append(el("option", { value: "", text: "未找到摄像头" }));
  }

  async function captureFace() {
    if (S.faceBusy || !S.exam) return;
    const box = $("face-result");
    const video = $("face-video");
    const button = $("face-capture");
    S.faceBusy = true;
    button.disabled = true;
    button.textContent = "识别中…";
    try {
      const blob = await cam.captureJpeg(video, $("capture-canvas"), 0.92);
      if (!blob) {
        const problem = cam.cameraProblem({ name: "NotFoundError" });
        showMessage(box, problem.text, problem.faq);
        return;
      }
      showMessage(box, "正在上传抓拍照片并识别，请保持正对摄像头…", null, "info");
      const form = new FormData();
      form.append("file", blob, "capture.jpg");
      let check;
      try {
        check = await api.post("/exams/" + S.exam.exam_id + "/face-checks", form);
      } catch (error) {
        if (sessionLost(error)) return;
        if (error.code === "NETWORK_ERROR") {
          showMessage(box, "抓拍照片保存失败：考生的网络环境不好，抓拍的相片不能进行认证，请确认网络情况后重试", 9);
        } else {
          showMessage(box, error.message, error.faq);
        }
        return;
      }
      const outcome = await waitForFaceCheck(check);
      if (!outcome) {
        showMessage(box, "识别超时：考生的网络环境不好或服务器繁忙，请确认网络情况后重试", 9);
        return;
      }
      if (outcome.status === "passed") {
        showMessage(box, outcome.message || "人脸识别通过", null, "ok");
        await startAttempt(S.exam, box);
        return;
      }
      showMessage(box, outcome.message || "识别失败，请重试", outcome.faq);
    } finally {
      S.faceBusy = false;
      button.textContent = "重新识别";
      button.disabled = !camera.active;
    }
  }

  async function waitForFaceCheck(check) {
    const until = Date.now() + 90000;
    let current = check;
    while (current.status === "queued" && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 800));
      if (S.view !== "face") return null;
      try {
        current = await api.get("/face-checks/" + check.id);
      } catch (error) {
        if (error.code !== "NETWORK_ERROR" && error.status < 500) throw error;
      }
    }
    return current.status === "queued" ? null : current;
  }

  function stopCameraIfIdle() {
    if (!S.attempt && camera.active) camera.stop();
  }

  // ---------- the attempt ----------

  async function openAttempt(exam, started) {
    closeAttempt();
    S.exam = exam;
    S.attempt = {
      id: started.attempt_id, examId: exam.exam_id, count: started.question_count,
      deadline: Date.parse(started.deadline), course: (exam.course && exam.course.name) || "",
    };
    S.locked = false;
    S.timeUp = false;
    S.reported = new Set();
    S.snapshotsSent = 0;
    writeJson(sessionStorage, ACTIVE_KEY, { examId: exam.exam_id, attemptId: started.attempt_id });
    rememberAttempt(exam.exam_id, started.attempt_id);
    const attemptId = started.attempt_id;
    S.queue = new ExamPage.AnswerQueue(api, attemptId, {
      onChange: renderSaveStatus,
      onFatal: (error) => attemptProblem(error),
      onRejected: (n, error) => toast("第 " + n + " 题的答案未能保存：" + error.message, "error", error.faq),
    });
    $("exam-title").textContent = S.attempt.course || "考试";
    hideMessage($("exam-alert"));
    setAnswering(true);
    buildNavigator();
    show("exam");
    renderSaveStatus(S.queue.status());
    renderCountdown();
    if (started.resumed) {
      logEvent("已恢复上次的作答：30分钟内可以接着断电前的试卷继续做答", "info");
    }
    const position = readJson(sessionStorage, "examcloud.position." + attemptId);
    await goTo(position && position <= S.attempt.count ? position : 1);
    if (!S.attempt || S.attempt.id !== attemptId || S.locked) return;  // moved or submitted meanwhile
    S.queue.flushAll();
    startFeed(attemptId);
    every(30000, guard(heartbeat));
    every(1000, renderCountdown);
    startMonitor();
    prefetch(attemptId);
  }

  // Stop everything that works for the attempt (timers, stream, queue); the data stays.
  function closeAttempt() {
    S.timers.forEach((id) => clearInterval(id));
    S.timers = [];
    stopQr();
    if (S.feed) S.feed.stop();
    if (S.queue) S.queue.stop();
    S.feed = null;
    S.queue = null;
    S.attempt = null;
    S.current = 0;
    S.views = new Map();
    S.values = new Map();
    S.photos = new Map();
    S.removed = new Set();
    S.paired = new Set();
    $("event-log").replaceChildren();
  }

  function setAnswering(enabled) {
    $("submit-button").disabled = !enabled;
    const fieldset = $("q-answer").querySelector("fieldset");
    if (fieldset) fieldset.disabled = !enabled;
  }

  // The server says this computer may no longer answer.
  function attemptProblem(error) {
    if (sessionLost(error)) return true;
    if (!S.attempt) return false;
    if (error.code === "ATTEMPT_MOVED") {
      lockAttempt();
      showMessage($("exam-alert"), error.message, error.faq);
      const back = el("button", { type: "button", className: "secondary", text: "返回待考列表" });
      back.addEventListener("click", guard(showExams));
      $("exam-alert").append(" ", back);
      return true;
    }
    if (error.code === "ATTEMPT_SUBMITTED" || error.code === "DEADLINE_PASSED") {
      const attemptId = S.attempt.id;
      const exam = S.exam;
      toast(error.message, "info", error.faq);
      finishAttempt();
      showResult(attemptId, exam);
      return true;
    }
    return false;
  }

  function lockAttempt() {
    S.locked = true;
    if (S.queue) S.queue.stop();
    if (S.feed) S.feed.stop();
    S.timers.forEach((id) => clearInterval(id));
    S.timers = [];
    stopQr();
    camera.stop();
    $("monitor-video").srcObject = null;
    setMonitorStatus("本机已停止监考抓拍");
    setAnswering(false);
    writeJson(sessionStorage, ACTIVE_KEY, null);
    renderSaveStatus("stopped");
  }

  // Submitted (by us, the deadline or the server): forget the local copy.
  function finishAttempt() {
    if (S.queue) S.queue.forget();
    try { localStorage.removeItem("examcloud.events." + (S.attempt && S.attempt.id)); } catch (error) { /* */ }
    writeJson(sessionStorage, ACTIVE_KEY, null);
    closeAttempt();
    camera.stop();
  }

  function renderSaveStatus(state) {
    const box = $("save-status");
    box.dataset.state = state;
    box.textContent = SAVE_TEXT[state] || state;
    if (S.attempt) for (let n = 1; n <= S.attempt.count; n += 1) updateNavItem(n);
  }

  function renderCountdown() {
    if (!S.attempt || S.locked) return;
    const left = S.attempt.deadline - serverNow();
    const box = $("countdown");
    if (left <= 0) {
      box.textContent = "考试时间已到";
      box.classList.add("urgent");
      if (!S.timeUp) { S.timeUp = true; timeUp(); }
      return;
    }
    const seconds = Math.floor(left / 1000);
    box.textContent = "剩余时间 " + pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
    box.classList.toggle("urgent", left < 5 * 60000);
  }

  async function timeUp() {
    logEvent("考试时间已到，系统会自动交卷，已保存的答案有效", "info");
    if (S.queue) await S.queue.flushAll();
    setAnswering(false);
    await submitNow(true);
  }

  async function heartbeat() {
    if (!S.attempt || S.locked || S.submitting || S.heartbeatBusy || !navigator.onLine) return;
    S.heartbeatBusy = true;
    try {
      const beat = await api.post("/attempts/" + S.attempt.id + "/heartbeat");
      if (beat && beat.deadline && S.attempt) S.attempt.deadline = Date.parse(beat.deadline);
    } catch (error) {
      attemptProblem(error);  // network trouble: the next beat tries again
    } finally {
      S.heartbeatBusy = false;
    }
  }

  // Before submitting, no snapshot or heartbeat may still be on its way: arriving after the
  // submit it would only be refused (ATTEMPT_SUBMITTED).
  async function quietBackground(limitMs) {
    const until = Date.now() + limitMs;
    while ((S.snapshotBusy || S.heartbeatBusy) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  // ---------- navigator and questions (FAQ 15) ----------

  function buildNavigator() {
    const list = $("nav-list");
    list.replaceChildren();
    for (let n = 1; n <= S.attempt.count; n += 1) {
      const button = el("button", { type: "button", className: "nav-item", text: String(n), dataset: { n: String(n) } });
      button.addEventListener("click", guard(() => goTo(n)));
      list.append(el("li", {}, [button]));
    }
  }

  function updateNavItem(n) {
    const button = $("nav-list").querySelector('[data-n="' + n + '"]');
    if (!button) return;
    const answered = isAnswered(S.values.get(n));
    const unsaved = Boolean(S.queue && S.queue.isUnsaved(n));
    button.dataset.answered = String(answered);
    button.dataset.loaded = String(S.views.has(n));
    button.classList.toggle("answered", answered);
    button.classList.toggle("unsaved", unsaved);
    button.classList.toggle("current", n === S.current);
    if (n === S.current) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
    button.setAttribute("aria-label", "第 " + n + " 题，" + (answered ? "已作答" : "未作答") + (unsaved ? "，待保存" : ""));
  }

  async function fetchQuestion(n) {
    const attemptId = S.attempt.id;
    const view = await api.get("/attempts/" + attemptId + "/questions/" + n);
    if (!S.attempt || S.attempt.id !== attemptId) return view;
    S.views.set(n, view);
    if (S.queue) S.queue.noteServer(n, view.saved_seq);
    if (!S.values.has(n)) S.values.set(n, S.queue && S.queue.has(n) ? S.queue.localAnswer(n) : view.saved_answer);
    mergePhotos(n, view.photos || [], true);
    updateNavItem(n);
    return view;
  }

  async function prefetch(attemptId) {
    // Every question in memory, so that answering goes on while the network is away.
    for (let n = 1; S.attempt && S.attempt.id === attemptId && n <= S.attempt.count; n += 1) {
      if (S.views.has(n) || S.locked) continue;
      if (!navigator.onLine) return;  // goTo fetches what is still missing
      try {
        await fetchQuestion(n);
      } catch (error) {
        if (attemptProblem(error)) return;
      }
    }
  }

  async function goTo(n) {
    if (!S.attempt || n < 1 || n > S.attempt.count) return;
    const previous = S.current;
    if (previous && previous !== n && S.queue) S.queue.flushNow(previous);
    S.current = n;
    writeJson(sessionStorage, "examcloud.position." + S.attempt.id, n);
    stopQr();
    if (previous) updateNavItem(previous);
    updateNavItem(n);
    $("prev-button").disabled = n <= 1;
    $("next-button").disabled = n >= S.attempt.count;
    const token = ++S.questionToken;
    const cached = S.views.get(n);
    if (cached) renderQuestion(cached);
    else renderQuestionLoading(n);
    if (!navigator.onLine) {
      if (!cached) renderQuestionError(n, null);
      return;
    }
    try {
      const view = await fetchQuestion(n);
      if (token !== S.questionToken) return;
      if (!cached) renderQuestion(view);
      else renderPhotos(n);  // fresh photo links; the answer on screen stays as typed
    } catch (error) {
      if (token !== S.questionToken || attemptProblem(error)) return;
      if (!cached) renderQuestionError(n, error);
    }
  }

  function renderQuestionLoading(n) {
    $("question").dataset.n = String(n);
    $("question").dataset.type = "";
    $("q-number").textContent = "第 " + n + " 题 / 共 " + S.attempt.count + " 题";
    $("q-type").textContent = "";
    $("q-score").textContent = "";
    $("q-stem").textContent = "";
    $("q-answer").replaceChildren();
    $("phone-panel").hidden = true;
    hideMessage($("q-error"));
    $("q-loading").hidden = false;
  }

  function renderQuestionError(n, error) {
    $("q-loading").hidden = true;
    const box = $("q-error");
    if (!error || error.code === "NETWORK_ERROR") {
      showMessage(box, "试题获取中：网络状况不好，可以通过点击上一题及下一题，重新获取试卷", 15);
    } else {
      showMessage(box, error.message, error.faq);
    }
    const retry = el("button", { type: "button", className: "secondary", text: "重新获取" });
    retry.addEventListener("click", guard(() => goTo(n)));
    box.append(" ", retry);
  }

  function renderQuestion(view) {
    const n = view.n;
    const article = $("question");
    article.dataset.n = String(n);
    article.dataset.type = view.type;
    $("q-loading").hidden = true;
    hideMessage($("q-error"));
    $("q-number").textContent = "第 " + n + " 题 / 共 " + S.attempt.count + " 题";
    $("q-type").textContent = TYPE_LABELS[view.type] || view.type;
    $("q-score").textContent = fmtScore(view.score) + " 分";
    $("q-stem").textContent = view.stem;
    const form = $("q-answer");
    const fieldset = el("fieldset", {}, [el("legend", { className: "visually-hidden", text: "第 " + n + " 题作答" })]);
    fieldset.disabled = S.locked;
    renderInputs(view, fieldset);
    form.replaceChildren(fieldset);
    const photoQuestion = PHOTO_TYPES.indexOf(view.type) >= 0;
    $("phone-panel").hidden = !photoQuestion;
    if (photoQuestion) {
      renderPhoneStatus(n);
      renderPhotos(n);
      loadQr(n);
    }
  }

  function setAnswer(n, value) {
    if (S.locked || !S.queue) return;
    S.values.set(n, value);
    S.queue.set(n, value);
    updateNavItem(n);
  }

  function renderInputs(view, fieldset) {
    const n = view.n;
    const value = S.values.has(n) ? S.values.get(n) : view.saved_answer;
    const name = "q" + n;
    if (view.type === "single" || view.type === "multiple") {
      const multiple = view.type === "multiple";
      const chosen = multiple ? (Array.isArray(value) ? value : []) : [value];
      (view.options || []).forEach((option) => {
        const input = el("input", { type: multiple ? "checkbox" : "radio", name, value: option.key,
          id: name + "-" + option.key });
        input.checked = chosen.indexOf(option.key) >= 0;
        input.addEventListener("change", () => {
          if (!multiple) { setAnswer(n, input.value); return; }
          const keys = Array.from(fieldset.querySelectorAll("input:checked")).map((box) => box.value).sort();
          setAnswer(n, keys.length ? keys : null);
        });
        fieldset.append(el("label", { className: "option", for: input.id }, [
          input, el("span", { className: "option-key", text: option.key + "." }),
          el("span", { className: "option-text", text: option.text })]));
      });
      if (multiple) fieldset.append(el("p", { className: "hint", text: "多选题：请选择所有正确的选项" }));
      return;
    }
    if (view.type === "judge") {
      [[true, "对"], [false, "错"]].forEach(([truth, label]) => {
        const input = el("input", { type: "radio", name, value: String(truth), id: name + "-" + truth });
        input.checked = value === truth;
        input.addEventListener("change", () => setAnswer(n, input.value === "true"));
        fieldset.append(el("label", { className: "option", for: input.id }, [input, el("span", { className: "option-text", text: label })]));
      });
      return;
    }
    if (view.type === "fill") {
      const blanks = Math.max(1, view.blanks || (view.stem.match(/_{2,}/g) || []).length || 1);
      const values = Array.isArray(value) ? value : [];
      const inputs = [];
      for (let i = 0; i < blanks; i += 1) {
        const input = el("input", { type: "text", id: name + "-blank-" + (i + 1), className: "blank",
          autocomplete: "off", dataset: { blank: String(i + 1) } });
        input.value = values[i] === undefined || values[i] === null ? "" : String(values[i]);
        input.addEventListener("input", () => {
          const answer = inputs.map((box) => box.value);
          setAnswer(n, answer.some((text) => text.trim() !== "") ? answer : null);
        });
        inputs.push(input);
        fieldset.append(el("div", { className: "blank-row" }, [
          el("label", { for: input.id, text: "第 " + (i + 1) + " 空" }), input]));
      }
      return;
    }
    // essay, photo and anything new: free text
    const area = el("textarea", { id: name + "-text", rows: "6", className: "essay",
      placeholder: view.type === "photo" ? "可在此输入文字说明；答题照片请用手机扫码上传" : "请在此输入答案" });
    area.value = typeof value === "string" ? value : "";
    area.addEventListener("input", () => setAnswer(n, area.value === "" ? null : area.value));
    fieldset.append(el("label", { for: area.id, className: "visually-hidden", text: "作答区" }), area);
  }

  // ---------- QR code for the phone (FAQ 21, 22) ----------

  function stopQr() {
    clearTimeout(S.qrTimer);
    S.qrTimer = null;
    S.qrToken += 1;
  }

  async function loadQr(n) {
    stopQr();
    const token = S.qrToken;
    const image = $("qr-image");
    const status = $("qr-status");
    const retry = $("qr-retry");
    const box = $("qr-box");
    retry.hidden = true;
    status.classList.remove("qr-problem");
    if (!S.qr || S.qr.n !== n) {
      image.hidden = true;
      image.removeAttribute("src");
      delete image.dataset.scene;
      delete box.dataset.scene;
      status.textContent = "正在获取二维码";
      box.dataset.state = "loading";
    }
    if (!navigator.onLine) {
      status.textContent = "离线：恢复网络后自动获取二维码";
      status.classList.add("qr-problem");
      box.dataset.state = "offline";
      return;
    }
    if (S.locked || !S.attempt) return;
    try {
      const code = await api.post("/attempts/" + S.attempt.id + "/questions/" + n + "/qrcode", { purpose: "answer_photo" });
      if (token !== S.qrToken || S.current !== n) return;
      image.src = code.png ? "data:" + (code.content_type || "image/png") + ";base64," + code.png : code.png_url;
      image.dataset.scene = code.scene;
      box.dataset.scene = code.scene;
      box.dataset.state = "ready";
      image.hidden = false;
      const expires = Date.parse(code.expires_at);
      S.qr = { n, scene: code.scene, expires };
      status.textContent = "请用微信扫一扫（有效至 " + fmtTime(expires) + "，过期前自动更新）";
      // Asking again with over a minute left returns the same code: renew about a minute before.
      S.qrTimer = setTimeout(() => { if (S.current === n) loadQr(n); }, Math.max(5000, expires - serverNow() - 60000));
    } catch (error) {
      if (token !== S.qrToken || attemptProblem(error)) return;
      S.qr = null;
      image.hidden = true;
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

  function renderPhoneStatus(n) {
    const status = $("phone-status");
    const paired = S.paired.has(n);
    status.textContent = paired ? "手机已连接" : "手机未连接";
    status.classList.toggle("paired", paired);
  }

  // ---------- answer photos ----------

  function mergePhotos(n, list, fromServer) {
    const photos = S.photos.get(n) || new Map();
    if (fromServer) {
      // The server's list is complete for this question: drop what it no longer has.
      const ids = new Set(list.map((photo) => photo.id));
      Array.from(photos.keys()).forEach((id) => { if (!ids.has(id)) photos.delete(id); });
    }
    list.forEach((photo) => {
      if (S.removed.has(photo.id)) return;
      const known = photos.get(photo.id) || {};
      photos.set(photo.id, {
        id: photo.id,
        status: known.status === "ready" ? "ready" : (photo.status || "processing"),
        url: photo.url || known.url || null,
      });
    });
    S.photos.set(n, photos);
  }

  function renderPhotos(n) {
    if (n !== S.current) return;
    const list = $("photo-list");
    list.replaceChildren();
    const photos = Array.from((S.photos.get(n) || new Map()).values()).sort((a, b) => a.id - b.id);
    photos.forEach((photo, index) => {
      const label = "第 " + (index + 1) + " 张照片";
      const content = photo.url
        ? el("img", { src: photo.url, alt: "第 " + n + " 题" + label, className: "thumb", dataset: { photoId: String(photo.id) } })
        : el("div", { className: "thumb thumb-pending", text: "照片处理中…" });
      const remove = el("button", { type: "button", className: "link-button danger", text: "删除", "aria-label": "删除" + label });
      remove.disabled = S.locked;
      remove.addEventListener("click", guard(() => removePhoto(n, photo.id, remove)));
      list.append(el("li", { className: "photo-item", dataset: { photoId: String(photo.id), status: photo.status } }, [content, remove]));
    });
    if (!photos.length) list.append(el("li", { className: "muted", text: "还没有上传照片" }));
  }

  async function removePhoto(n, photoId, button) {
    if (!S.attempt) return;
    button.disabled = true;
    try {
      await api.del("/attempts/" + S.attempt.id + "/photos/" + photoId);
      S.removed.add(photoId);
      const photos = S.photos.get(n);
      if (photos) photos.delete(photoId);
      renderPhotos(n);
      logEvent("已删除第 " + n + " 题的一张照片", "info");
    } catch (error) {
      button.disabled = false;
      if (!attemptProblem(error)) toast(error.message, "error", error.faq);
    }
  }

  // ---------- live events ----------

  function startFeed(attemptId) {
    S.feed = new ExamPage.EventFeed(api, attemptId, {
      onEvent: handleEvent,
      onFatal: (error) => { if (!attemptProblem(error)) logEvent("实时消息已断开：" + error.message, "warn"); },
    });
    S.feed.start();
  }

  function logEvent(text, kind) {
    const list = $("event-log");
    list.prepend(el("li", { className: "event event-" + (kind || "info") }, [
      el("time", { text: fmtTime(serverNow()) }), " ", el("span", { text })]));
    while (list.children.length > 30) list.lastElementChild.remove();
  }

  function handleEvent(event) {
    const data = event.data || {};
    const n = Number(data.n) || null;
    switch (event.type) {
      case "paired":
        if (n) S.paired.add(n);
        if (n === S.current) renderPhoneStatus(n);
        logEvent(data.purpose === "second_camera" ? "手机已连接（第二机位）" : "手机已连接" + (n ? "（第 " + n + " 题）" : ""), "ok");
        break;
      case "upload_received":
        if (n && data.photo_id && !S.removed.has(data.photo_id)) {
          mergePhotos(n, [{ id: data.photo_id, status: "processing", url: null }], false);
          renderPhotos(n);
        }
        logEvent("收到手机上传的照片" + (n ? "（第 " + n + " 题）" : "") + "，正在处理…", "info");
        break;
      case "photo_ready":
        if (n && data.photo_id && !S.removed.has(data.photo_id)) {
          mergePhotos(n, [{ id: data.photo_id, status: "ready", url: data.url || null }], false);
          renderPhotos(n);
        }
        logEvent("照片已上传" + (n ? "（第 " + n + " 题）" : ""), "ok");
        break;
      case "upload_rejected":
        // A photo refused after its 202 (damaged inside) had a placeholder: it will not come.
        if (n && data.photo_id && S.photos.has(n)) {
          S.removed.add(data.photo_id);
          S.photos.get(n).delete(data.photo_id);
          renderPhotos(n);
        }
        logEvent("照片上传失败" + (n ? "（第 " + n + " 题）" : "") + "：" + (data.message || data.reason || "请重新上传"), "warn");
        toast("照片上传失败：" + (data.message || data.reason || "请重新上传"), "warn", 21);
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

  // ---------- webcam during the exam: snapshots (FAQ 3, 18) ----------

  function snapshotSeconds() {
    const query = new URLSearchParams(global.location.search);
    const value = Number(query.get("snapshot_seconds") || query.get("snapshot") || document.body.dataset.snapshotSeconds || 60);
    return Number.isFinite(value) && value >= 1 ? value : 60;
  }

  function setMonitorStatus(text, problem) {
    const status = $("monitor-status");
    status.textContent = text;
    status.classList.toggle("frame-problem", Boolean(problem));
  }

  async function startMonitor() {
    const attemptId = S.attempt.id;
    const video = $("monitor-video");
    try {
      if (!camera.active) await camera.start(camera.deviceId || undefined);
      cam.attach(video, camera.stream);
      setMonitorStatus("摄像头正常");
    } catch (error) {
      const problem = cam.cameraProblem(error);
      setMonitorStatus(problem.text, true);
      report("camera_missing", { reason: error && error.name ? String(error.name) : "unknown" });
    }
    if (!S.attempt || S.attempt.id !== attemptId) return;
    every(snapshotSeconds() * 1000, guard(snapshotTick));
  }

  async function report(code, detail) {
    if (!S.attempt || S.reported.has(code) || !navigator.onLine) return;
    S.reported.add(code);
    try {
      await api.post("/attempts/" + S.attempt.id + "/integrity-events", { code, detail: detail || {} });
    } catch (error) {
      S.reported.delete(code);  // try again next time
      attemptProblem(error);
    }
  }

  async function snapshotTick() {
    if (!S.attempt || S.locked || S.submitting || S.snapshotBusy || !navigator.onLine) return;
    const attemptId = S.attempt.id;
    const video = $("monitor-video");
    S.snapshotBusy = true;
    try {
      if (!camera.active) {
        try {
          await camera.start(camera.deviceId || undefined);
          cam.attach(video, camera.stream);
        } catch (error) {
          setMonitorStatus(cam.cameraProblem(error).text, true);
          await report("camera_missing", { reason: error && error.name ? String(error.name) : "unknown" });
          return;
        }
      }
      if (!(await cam.frameReady(video, 5000))) {
        setMonitorStatus("摄像头没有画面：请确定电脑有摄像头，并且摄像头是可用的状态", true);
        await report("camera_missing", { reason: "no_frames" });
        return;
      }
      const luminance = cam.meanLuminance(video);
      if (luminance !== null && luminance < BLACK_LUMINANCE) {
        setMonitorStatus("摄像头画面是黑的：请关掉电脑的杀毒软件，或将考试系统列入白名单，并确认摄像头未被遮挡", true);
        await report("camera_black", { luminance: luminance.toFixed(1) });
      }
      const blob = await cam.captureJpeg(video, document.createElement("canvas"), 0.85);
      if (!blob || !S.attempt || S.attempt.id !== attemptId) return;
      const form = new FormData();
      form.append("file", blob, "snapshot.jpg");
      await api.post("/attempts/" + attemptId + "/snapshots", form);
      S.snapshotsSent += 1;
      document.body.dataset.snapshots = String(S.snapshotsSent);
      if (luminance === null || luminance >= BLACK_LUMINANCE) setMonitorStatus("摄像头正常");
    } catch (error) {
      if (error instanceof ExamCloud.ApiError) attemptProblem(error);
    } finally {
      S.snapshotBusy = false;
    }
  }

  // ---------- submit (FAQ 16) and result (FAQ 17, 18) ----------

  function openSubmitDialog() {
    if (!S.attempt || S.locked) return;
    let answered = 0;
    for (let n = 1; n <= S.attempt.count; n += 1) if (isAnswered(S.values.get(n))) answered += 1;
    const left = S.attempt.count - answered;
    $("submit-summary").textContent = "共 " + S.attempt.count + " 题，已作答 " + answered + " 题"
      + (left ? "，还有 " + left + " 题未作答" : "") + "。交卷后不能再修改答案，确定交卷吗？";
    updateSubmitDialog();
    $("submit-dialog").showModal();
  }

  function updateSubmitDialog() {
    const warning = $("submit-warning");
    if (!navigator.onLine) {
      showMessage(warning, "网络已断开：答案已保存在本机，恢复网络后会自动保存，请恢复网络后再交卷。"
        + "如果一直无法联网，考生可以强制退出，系统在考试时间结束时会自动完成交卷", 16);
      $("submit-confirm").disabled = true;
    } else {
      hideMessage(warning);
      $("submit-confirm").disabled = false;
    }
  }

  async function submitNow(automatic) {
    if (!S.attempt) return;
    const attemptId = S.attempt.id;
    const exam = S.exam;
    const button = $("submit-button");
    button.disabled = true;
    button.textContent = "正在交卷…";
    S.submitting = true;
    try {
      await quietBackground(10000);
      if (S.queue) await S.queue.flushAll();
      if (S.queue && S.queue.hasPending() && !automatic) {
        toast("还有答案没有保存成功，请检查网络后再交卷；考试时间结束时系统会自动完成交卷", "error", 16);
        return;
      }
      try {
        await api.post("/attempts/" + attemptId + "/submit");
      } catch (error) {
        if (sessionLost(error)) return;
        if (error.code === "ATTEMPT_MOVED") { attemptProblem(error); return; }
        if (error.code !== "ATTEMPT_SUBMITTED" && automatic) {
          // Time is up but the submit did not get through: keep what is queued here, try again
          // when the network returns; the server submits at the exam's end anyway (FAQ 16).
          showMessage($("exam-alert"), "考试时间已到，交卷未能提交：网络恢复后将自动提交。考生也可以强制退出，"
            + "系统在考试时间结束时会自动完成交卷", 16);
          return;
        }
        if (error.code !== "ATTEMPT_SUBMITTED") {
          if (error.code === "NETWORK_ERROR") {
            toast("交卷时网络异常，未能提交：请检查网络后重试；考生也可以强制退出，系统在考试时间结束时会自动完成交卷", "error", 16);
          } else {
            toast(error.message, "error", error.faq);
          }
          return;
        }
      }
      finishAttempt();
      showResult(attemptId, exam);
    } finally {
      S.submitting = false;
      button.textContent = "交卷";
      button.disabled = S.locked || S.timeUp || !S.attempt;
    }
  }

  function stopResult() {
    clearTimeout(S.resultTimer);
    S.resultTimer = null;
    S.resultAttempt = null;
  }

  function showResult(attemptId, exam) {
    stopResult();
    S.resultAttempt = attemptId;
    show("result");
    $("result-course").textContent = (exam && exam.course && exam.course.name) || "";
    $("result-status").textContent = "";
    $("result-status").dataset.status = "";
    $("result-score").hidden = true;
    $("result-faq").hidden = true;
    $("result-message").textContent = "正在查询成绩…";
    $("result-message").hidden = false;
    pollResult(attemptId);
  }

  async function pollResult(attemptId) {
    if (S.resultAttempt !== attemptId) return;
    let wait = 2000;
    try {
      const result = await api.get("/attempts/" + attemptId + "/result");
      if (S.resultAttempt !== attemptId) return;
      renderResult(result);
      if (result.status === "published" || result.status === "rejected") wait = 0;
      else if (result.status === "pending_review") wait = 30000;
    } catch (error) {
      if (sessionLost(error)) return;
      $("result-message").hidden = false;
      $("result-message").textContent = error.code === "NETWORK_ERROR" ? "网络异常，稍后自动重新查询成绩" : error.message;
      wait = error.code === "NETWORK_ERROR" || error.status >= 500 ? 5000 : 0;
    }
    if (wait && S.resultAttempt === attemptId) S.resultTimer = setTimeout(() => pollResult(attemptId), wait);
  }

  function renderResult(result) {
    const status = $("result-status");
    status.textContent = RESULT_LABELS[result.status] || result.status;
    status.dataset.status = result.status;
    const message = result.message || "";
    $("result-message").textContent = message;
    $("result-message").hidden = message === status.textContent;
    const score = $("result-score");
    if (result.status === "published" && result.objective_score !== null && result.objective_score !== undefined) {
      let text = "客观分：" + fmtScore(result.objective_score) + " 分";
      if (result.marking_complete && result.total_score !== null && result.total_score !== undefined) {
        text += "　总分：" + fmtScore(result.total_score) + " 分";
      } else {
        text += "（主观题待老师评分）";
      }
      score.textContent = text;
      score.hidden = false;
    } else {
      score.hidden = true;
    }
    const faq = RESULT_FAQ[result.status];
    const faqBox = $("result-faq");
    faqBox.hidden = !faq;
    if (faq) faqBox.replaceChildren("说明见常见问题 ", faqBadge(faq));
  }

  // ---------- wiring ----------

  function onNetworkChange() {
    if (S.queue) renderSaveStatus(S.queue.status());
    if ($("submit-dialog").open) updateSubmitDialog();
    if (!navigator.onLine || !S.attempt || S.locked) return;
    if (S.timeUp) { guard(submitNow)(true); return; }
    const view = S.views.get(S.current);
    if (view && PHOTO_TYPES.indexOf(view.type) >= 0) loadQr(S.current);
    if (S.views.size < S.attempt.count) prefetch(S.attempt.id);
    guard(heartbeat)();
  }

  function bind() {
    $("login-form").addEventListener("submit", guard(login));
    $("logout-button").addEventListener("click", () => logout());
    $("exams-refresh").addEventListener("click", guard(loadExams));
    $("face-capture").addEventListener("click", guard(captureFace));
    $("camera-retry").addEventListener("click", guard(() => openFaceCamera()));
    $("face-back").addEventListener("click", guard(() => { camera.stop(); return showExams(); }));
    $("camera-select").addEventListener("change", guard(() => openFaceCamera($("camera-select").value)));
    $("prev-button").addEventListener("click", guard(() => goTo(S.current - 1)));
    $("next-button").addEventListener("click", guard(() => goTo(S.current + 1)));
    $("q-answer").addEventListener("submit", (event) => event.preventDefault());
    $("qr-retry").addEventListener("click", guard(() => loadQr(S.current)));
    $("submit-button").addEventListener("click", openSubmitDialog);
    $("submit-dialog").addEventListener("close", () => {
      if ($("submit-dialog").returnValue === "confirm") guard(submitNow)(false);
    });
    $("result-refresh").addEventListener("click", () => { if (S.resultAttempt) { clearTimeout(S.resultTimer); pollResult(S.resultAttempt); } });
    $("result-back").addEventListener("click", guard(showExams));
    global.addEventListener("online", onNetworkChange);
    global.addEventListener("offline", onNetworkChange);
    global.addEventListener("beforeunload", () => { if (S.queue && S.current) S.queue.flushNow(S.current); });
    camera.onChange(() => {
      if (S.attempt && !S.locked && !camera.active) setMonitorStatus("摄像头已断开：请确定电脑有摄像头，并且摄像头是可用的状态", true);
    });
  }

  async function boot() {
    bind();
    syncTime();
    setInterval(renderClock, 1000);
    setInterval(syncTime, 5 * 60000);
    S.user = api.token ? readJson(sessionStorage, USER_KEY) : null;
    renderAccount();
    if (!S.user) { show("login"); return; }
    await showExams();
    const active = readJson(sessionStorage, ACTIVE_KEY);
    const exam = active && S.exams.find((item) => item.exam_id === active.examId);
    if (exam) await startAttempt(exam, $("exams-error"));  // a reload: resume where we were
  }

  ExamPage.app = { state: S, goTo, serverNow };
  guard(boot)();
})(window);

// The attempt being answered: opening it (answer queue, event feed, heartbeat, countdown, webcam
// monitor), closing it, locking it when the server says this computer may no longer answer, the
// save indicator, the countdown and the heartbeat.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, webcam, ACTIVE_KEY, $, el, showMessage, hideMessage, toast, show, pad, readJson, writeJson, guard } = ExamPage.shared;
  const SAVE_TEXT = {
    saved: "已保存", saving: "保存中…", offline: "离线，恢复网络后自动保存",
    retrying: "保存失败，正在重试…", stopped: "本机已停止保存",
  };

  // An interval that works for the attempt: stopped when the attempt is closed or locked.
  function every(ms, fn) {
    const id = setInterval(fn, ms);
    store.get("timers").push(id);
    return id;
  }

  function clearTimers() {
    store.get("timers").forEach((id) => clearInterval(id));
    store.set("timers", []);
  }

  async function openAttempt(exam, started) {
    closeAttempt();
    store.set("exam", exam);
    store.set("attempt", {
      id: started.attempt_id, examId: exam.exam_id, count: started.question_count,
      deadline: Date.parse(started.deadline), course: (exam.course && exam.course.name) || "",
    });
    store.set({ locked: false, timeUp: false, reported: new Set(), snapshotsSent: 0 });
    writeJson(sessionStorage, ACTIVE_KEY, { examId: exam.exam_id, attemptId: started.attempt_id });
    ExamPage.exams.remember(exam.exam_id, started.attempt_id);
    const attemptId = started.attempt_id;
    store.set("queue", new ExamPage.AnswerQueue(api, attemptId, {
      onChange: renderSaveStatus,
      onFatal: (error) => attemptProblem(error),
      onRejected: (n, error) => toast("第 " + n + " 题的答案未能保存：" + error.message, "error", error.faq),
    }));
    $("exam-title").textContent = store.get("attempt").course || "考试";
    hideMessage($("exam-alert"));
    setAnswering(true);
    ExamPage.questions.buildNavigator();
    show("exam");
    renderSaveStatus(store.get("queue").status());
    renderCountdown();
    if (started.resumed) {
      ExamPage.feed.log("已恢复上次的作答：30分钟内可以接着断电前的试卷继续做答", "info");
    }
    const position = readJson(sessionStorage, "examcloud.position." + attemptId);
    await ExamPage.questions.goTo(position && position <= store.get("attempt").count ? position : 1);
    const attempt = store.get("attempt");
    if (!attempt || attempt.id !== attemptId || store.get("locked")) return;  // moved or submitted meanwhile
    store.get("queue").flushAll();
    ExamPage.feed.start(attemptId);
    every(30000, guard(heartbeat));
    every(1000, renderCountdown);
    ExamPage.monitor.start();
    ExamPage.questions.prefetch(attemptId);
  }

  // Stop everything that works for the attempt (timers, stream, queue); the data stays.
  function closeAttempt() {
    clearTimers();
    ExamPage.phone.stopQr();
    if (store.get("feed")) store.get("feed").stop();
    if (store.get("queue")) store.get("queue").stop();
    store.set({
      feed: null, queue: null, attempt: null, current: 0,
      views: new Map(), values: new Map(), photos: new Map(), removed: new Set(), paired: new Set(),
    });
    $("event-log").replaceChildren();
  }

  function setAnswering(enabled) {
    $("submit-button").disabled = !enabled;
    const fieldset = $("q-answer").querySelector("fieldset");
    if (fieldset) fieldset.disabled = !enabled;
  }

  // The server says this computer may no longer answer. True when the error was about that.
  function attemptProblem(error) {
    if (ExamPage.session.sessionLost(error)) return true;
    const attempt = store.get("attempt");
    if (!attempt) return false;
    if (error.code === "ATTEMPT_MOVED") {
      lockAttempt();
      showMessage($("exam-alert"), error.message, error.faq);
      const back = el("button", { type: "button", className: "secondary", text: "返回待考列表" });
      back.addEventListener("click", guard(ExamPage.exams.show));
      $("exam-alert").append(" ", back);
      return true;
    }
    if (error.code === "ATTEMPT_SUBMITTED" || error.code === "DEADLINE_PASSED") {
      const attemptId = attempt.id;
      const exam = store.get("exam");
      toast(error.message, "info", error.faq);
      finishAttempt();
      ExamPage.result.show(attemptId, exam);
      return true;
    }
    return false;
  }

  function lockAttempt() {
    store.set("locked", true);
    if (store.get("queue")) store.get("queue").stop();
    if (store.get("feed")) store.get("feed").stop();
    clearTimers();
    ExamPage.phone.stopQr();
    webcam.stop();
    $("monitor-video").srcObject = null;
    ExamPage.monitor.setStatus("本机已停止监考抓拍");
    setAnswering(false);
    writeJson(sessionStorage, ACTIVE_KEY, null);
    renderSaveStatus("stopped");
  }

  // Submitted (by us, the deadline or the server): forget the local copy.
  function finishAttempt() {
    const queue = store.get("queue");
    const attempt = store.get("attempt");
    if (queue) queue.forget();
    try { localStorage.removeItem("examcloud.events." + (attempt && attempt.id)); } catch { /* */ }
    writeJson(sessionStorage, ACTIVE_KEY, null);
    closeAttempt();
    webcam.stop();
  }

  function renderSaveStatus(state) {
    const box = $("save-status");
    box.dataset.state = state;
    box.textContent = SAVE_TEXT[state] || state;
    const attempt = store.get("attempt");
    if (attempt) for (let n = 1; n <= attempt.count; n += 1) ExamPage.questions.updateNavItem(n);
  }

  function renderCountdown() {
    const attempt = store.get("attempt");
    if (!attempt || store.get("locked")) return;
    const left = attempt.deadline - ExamPage.clock.serverNow();
    const box = $("countdown");
    if (left <= 0) {
      box.textContent = "考试时间已到";
      box.classList.add("urgent");
      if (!store.get("timeUp")) { store.set("timeUp", true); timeUp(); }
      return;
    }
    const seconds = Math.floor(left / 1000);
    box.textContent = "剩余时间 " + pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
    box.classList.toggle("urgent", left < 5 * 60000);
  }

  async function timeUp() {
    ExamPage.feed.log("考试时间已到，系统会自动交卷，已保存的答案有效", "info");
    if (store.get("queue")) await store.get("queue").flushAll();
    setAnswering(false);
    await ExamPage.submit.submitNow(true);
  }

  async function heartbeat() {
    const attempt = store.get("attempt");
    if (!attempt || store.get("locked") || store.get("submitting") || store.get("heartbeatBusy") || !navigator.onLine) return;
    store.set("heartbeatBusy", true);
    try {
      const beat = await api.post("/attempts/" + attempt.id + "/heartbeat");
      const current = store.get("attempt");
      if (beat && beat.deadline && current) current.deadline = Date.parse(beat.deadline);
    } catch (error) {
      attemptProblem(error);  // network trouble: the next beat tries again
    } finally {
      store.set("heartbeatBusy", false);
    }
  }

  // Before submitting, no snapshot or heartbeat may still be on its way: arriving after the
  // submit it would only be refused (ATTEMPT_SUBMITTED).
  async function quietBackground(limitMs) {
    const until = Date.now() + limitMs;
    while ((store.get("snapshotBusy") || store.get("heartbeatBusy")) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  ExamPage.attempt = {
    open: openAttempt, close: closeAttempt, problem: attemptProblem, finish: finishAttempt,
    renderSaveStatus, renderCountdown, heartbeat, quietBackground, every,
  };
})(window);

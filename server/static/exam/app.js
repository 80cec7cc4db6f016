// 考试云 考生端 (desktop exam page): the wiring of the page's buttons and the network events, and
// the start. The work is done by the modules loaded before this one (see templates/exam/index.html):
//   store.js      the page's state, in one place (get/set/subscribe)
//   shared.js     API client, webcam, DOM helpers, formatting, storage, views
//   clock.js      server time and the PC clock warning
//   session.js    login with the environment check, logout, the account in the top bar
//   exams.js      the exam list, entering an exam
//   face.js       the face check before the exam
//   attempt.js    the attempt: open/close/lock, save indicator, countdown, heartbeat
//   questions.js  navigator, question view and answer inputs (saved by answers.js)
//   phone.js      the QR code for the phone and the answer photos
//   upload.js     answer photos chosen on this computer ("从本电脑上传")
//   feed.js       live events (read by sse.js) and the message list
//   monitor.js    the webcam during the exam and its snapshots (camera.js)
//   submit.js     the submit dialog and the submit
//   result.js     the result, polled until it is final
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { webcam, ACTIVE_KEY, $, show, readJson, guard } = ExamPage.shared;
  const { attempt, clock, exams, face, monitor, phone, questions, result, session, submit, upload } = ExamPage;

  function onNetworkChange() {
    const queue = store.get("queue");
    if (queue) attempt.renderSaveStatus(queue.status());
    if ($("submit-dialog").open) submit.updateDialog();
    const current = store.get("attempt");
    if (!navigator.onLine || !current || store.get("locked")) return;
    if (store.get("timeUp")) { guard(submit.submitNow)(true); return; }
    const n = store.get("current");
    const view = store.get("views").get(n);
    if (view && questions.isPhotoQuestion(view)) phone.loadQr(n);
    if (store.get("views").size < current.count) questions.prefetch(current.id);
    guard(attempt.heartbeat)();
  }

  function bind() {
    const current = () => store.get("current");
    $("login-form").addEventListener("submit", guard(session.login));
    $("logout-button").addEventListener("click", () => session.logout());
    $("exams-refresh").addEventListener("click", guard(exams.load));
    $("face-capture").addEventListener("click", guard(face.capture));
    $("camera-retry").addEventListener("click", guard(() => face.openCamera()));
    $("face-back").addEventListener("click", guard(() => { webcam.stop(); return exams.show(); }));
    $("camera-select").addEventListener("change", guard(() => face.openCamera($("camera-select").value)));
    $("prev-button").addEventListener("click", guard(() => questions.goTo(current() - 1)));
    $("next-button").addEventListener("click", guard(() => questions.goTo(current() + 1)));
    $("q-answer").addEventListener("submit", (event) => event.preventDefault());
    $("qr-retry").addEventListener("click", guard(() => phone.loadQr(current())));
    $("qr-copy").addEventListener("click", guard(phone.copyQrUrl));
    upload.bind();
    $("submit-button").addEventListener("click", submit.openDialog);
    $("submit-dialog").addEventListener("close", () => {
      if ($("submit-dialog").returnValue === "confirm") guard(submit.submitNow)(false);
    });
    $("result-refresh").addEventListener("click", result.refresh);
    $("result-back").addEventListener("click", guard(exams.show));
    global.addEventListener("online", onNetworkChange);
    global.addEventListener("offline", onNetworkChange);
    global.addEventListener("beforeunload", () => {
      const queue = store.get("queue");
      if (queue && current()) queue.flushNow(current());
    });
    webcam.onChange(() => {
      if (store.get("attempt") && !store.get("locked") && !webcam.active) {
        monitor.setStatus("摄像头已断开：请确定电脑有摄像头，并且摄像头是可用的状态", true);
      }
    });
  }

  async function boot() {
    bind();
    clock.syncTime();
    setInterval(clock.renderClock, 1000);
    setInterval(clock.syncTime, 5 * 60000);
    if (!session.restore()) { show("login"); return; }
    await exams.show();
    const active = readJson(sessionStorage, ACTIVE_KEY);
    const exam = active && store.get("exams").find((item) => item.exam_id === active.examId);
    if (exam) await exams.start(exam, $("exams-error"));  // a reload: resume where we were
  }

  // For the browser tests and debugging in the console: the state (read it, do not change it).
  ExamPage.app = { state: store.state, goTo: questions.goTo, serverNow: clock.serverNow };
  guard(boot)();
})(window);

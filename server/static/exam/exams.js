// The exam list (待考课程, FAQ 4, 11) and entering an exam: to the face check first when the exam
// asks for one, otherwise straight to starting (or resuming) the attempt.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, ACTIVE_KEY, $, el, showMessage, hideMessage, show, fmtShort, readJson, writeJson, guard } = ExamPage.shared;
  const STATE_LABELS = { upcoming: "未开始", open: "可进入", closed: "已结束", finished: "已交卷" };

  // localStorage: exam id -> the attempt id of this candidate (for the 客观分 button).
  function knownAttempts() {
    const user = store.get("user");
    return (user && readJson(localStorage, "examcloud.attempts." + user.id)) || {};
  }

  function rememberAttempt(examId, attemptId) {
    const user = store.get("user");
    if (!user) return;
    const known = knownAttempts();
    known[examId] = attemptId;
    writeJson(localStorage, "examcloud.attempts." + user.id, known);
  }

  async function showExams() {
    ExamPage.attempt.close();
    ExamPage.result.stop();
    show("exams");
    await loadExams();
  }

  async function loadExams() {
    const error = $("exams-error");
    hideMessage(error);
    $("exams-loading").hidden = false;
    try {
      store.set("exams", await api.get("/me/exams"));
      renderExams();
    } catch (failure) {
      if (ExamPage.session.sessionLost(failure)) return;
      showMessage(error, failure.message, failure.faq);
    } finally {
      $("exams-loading").hidden = true;
    }
  }

  function renderExams() {
    const exams = store.get("exams");
    const body = $("exam-list");
    body.replaceChildren();
    $("exams-empty").hidden = exams.length > 0;
    $("exam-table").hidden = exams.length === 0;
    const known = knownAttempts();
    exams.forEach((exam) => {
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
        score.addEventListener("click", () => ExamPage.result.show(known[exam.exam_id], exam));
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
    store.set("exam", exam);
    const active = readJson(sessionStorage, ACTIVE_KEY);
    const resumingHere = active && active.examId === exam.exam_id;
    // Without a recent pass the server answers FACE_CHECK_REQUIRED: go to the check first.
    if (exam.face_check_required && !resumingHere) {
      await ExamPage.face.show(exam);
      return;
    }
    await startAttempt(exam, $("exams-error"));
  }

  // Start or resume the attempt; a refusal is shown in errorBox (the list's or the face check's).
  async function startAttempt(exam, errorBox) {
    try {
      const started = await api.post("/exams/" + exam.exam_id + "/attempts");
      await ExamPage.attempt.open(exam, started);
    } catch (error) {
      if (ExamPage.session.sessionLost(error)) return;
      if (error.code === "FACE_CHECK_REQUIRED") {
        await ExamPage.face.show(exam, error);
        return;
      }
      if (error.code === "ATTEMPT_SUBMITTED") {
        const attemptId = knownAttempts()[exam.exam_id];
        writeJson(sessionStorage, ACTIVE_KEY, null);
        if (attemptId) { ExamPage.result.show(attemptId, exam); return; }
      }
      if (store.get("view") !== "exams" && errorBox === $("exams-error")) show("exams");
      showMessage(errorBox, error.message, error.faq);
    }
  }

  ExamPage.exams = { show: showExams, load: loadExams, start: startAttempt, remember: rememberAttempt };
})(window);

// The result view (成绩, FAQ 17, 18): polled until it is published or rejected — every 2 s while
// grading, every 30 s while pending review, every 5 s after a network or server error.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, faqBadge, show, fmtScore } = ExamPage.shared;
  const RESULT_LABELS = { in_progress: "考试进行中", grading: "成绩计算中", pending_review: "待审核", published: "成绩已公布", rejected: "成绩无效" };
  const RESULT_FAQ = { grading: 17, pending_review: 18 };

  function stopResult() {
    clearTimeout(store.get("resultTimer"));
    store.set({ resultTimer: null, resultAttempt: null });
  }

  function showResult(attemptId, exam) {
    stopResult();
    store.set("resultAttempt", attemptId);
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

  // The refresh button: ask now instead of waiting for the next poll.
  function refreshResult() {
    const attemptId = store.get("resultAttempt");
    if (attemptId) { clearTimeout(store.get("resultTimer")); pollResult(attemptId); }
  }

  async function pollResult(attemptId) {
    if (store.get("resultAttempt") !== attemptId) return;
    let wait = 2000;
    try {
      const result = await api.get("/attempts/" + attemptId + "/result");
      if (store.get("resultAttempt") !== attemptId) return;
      renderResult(result);
      if (result.status === "published" || result.status === "rejected") wait = 0;
      else if (result.status === "pending_review") wait = 30000;
    } catch (error) {
      if (ExamPage.session.sessionLost(error)) return;
      $("result-message").hidden = false;
      $("result-message").textContent = error.code === "NETWORK_ERROR" ? "网络异常，稍后自动重新查询成绩" : error.message;
      wait = error.code === "NETWORK_ERROR" || error.status >= 500 ? 5000 : 0;
    }
    if (wait && store.get("resultAttempt") === attemptId) store.set("resultTimer", setTimeout(() => pollResult(attemptId), wait));
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

  ExamPage.result = { show: showResult, stop: stopResult, refresh: refreshResult };
})(window);

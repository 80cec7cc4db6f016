// Handing in (交卷, FAQ 16): the confirmation dialog with what is still unanswered, and the submit
// itself — after the answer queue is flushed — by the candidate or, when time is up, by the page.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, showMessage, hideMessage, toast, isAnswered } = ExamPage.shared;

  function openSubmitDialog() {
    const attempt = store.get("attempt");
    if (!attempt || store.get("locked")) return;
    let answered = 0;
    for (let n = 1; n <= attempt.count; n += 1) if (isAnswered(store.get("values").get(n))) answered += 1;
    const left = attempt.count - answered;
    $("submit-summary").textContent = "共 " + attempt.count + " 题，已作答 " + answered + " 题"
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
    if (!store.get("attempt")) return;
    const attemptId = store.get("attempt").id;
    const exam = store.get("exam");
    const button = $("submit-button");
    button.disabled = true;
    button.textContent = "正在交卷…";
    store.set("submitting", true);
    try {
      await ExamPage.attempt.quietBackground(10000);
      if (store.get("queue")) await store.get("queue").flushAll();
      if (store.get("queue") && store.get("queue").hasPending() && !automatic) {
        toast("还有答案没有保存成功，请检查网络后再交卷；考试时间结束时系统会自动完成交卷", "error", 16);
        return;
      }
      try {
        await api.post("/attempts/" + attemptId + "/submit");
      } catch (error) {
        if (ExamPage.session.sessionLost(error)) return;
        if (error.code === "ATTEMPT_MOVED") { ExamPage.attempt.problem(error); return; }
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
      ExamPage.attempt.finish();
      ExamPage.result.show(attemptId, exam);
    } finally {
      store.set("submitting", false);
      button.textContent = "交卷";
      button.disabled = store.get("locked") || store.get("timeUp") || !store.get("attempt");
    }
  }

  ExamPage.submit = { openDialog: openSubmitDialog, updateDialog: updateSubmitDialog, submitNow };
})(window);

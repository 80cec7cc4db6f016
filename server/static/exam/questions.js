// The question view (FAQ 15): the navigator (答题卡), fetching questions (all of them in the
// background, so answering goes on offline), moving between questions and the answer inputs of
// each question type. A change of answer goes to the answer queue (answers.js).
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, $, el, showMessage, hideMessage, fmtScore, isAnswered, writeJson, guard } = ExamPage.shared;
  const TYPE_LABELS = { single: "单选题", multiple: "多选题", judge: "判断题", fill: "填空题", essay: "简答题", photo: "拍照题" };
  const PHOTO_TYPES = ["essay", "photo"];  // questions answered with photos from the phone

  function buildNavigator() {
    const list = $("nav-list");
    list.replaceChildren();
    for (let n = 1; n <= store.get("attempt").count; n += 1) {
      const button = el("button", { type: "button", className: "nav-item", text: String(n), dataset: { n: String(n) } });
      button.addEventListener("click", guard(() => goTo(n)));
      list.append(el("li", {}, [button]));
    }
  }

  function updateNavItem(n) {
    const button = $("nav-list").querySelector('[data-n="' + n + '"]');
    if (!button) return;
    const queue = store.get("queue");
    const current = store.get("current");
    const answered = isAnswered(store.get("values").get(n));
    const unsaved = Boolean(queue && queue.isUnsaved(n));
    button.dataset.answered = String(answered);
    button.dataset.loaded = String(store.get("views").has(n));
    button.classList.toggle("answered", answered);
    button.classList.toggle("unsaved", unsaved);
    button.classList.toggle("current", n === current);
    if (n === current) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
    button.setAttribute("aria-label", "第 " + n + " 题，" + (answered ? "已作答" : "未作答") + (unsaved ? "，待保存" : ""));
  }

  async function fetchQuestion(n) {
    const attemptId = store.get("attempt").id;
    const view = await api.get("/attempts/" + attemptId + "/questions/" + n);
    const attempt = store.get("attempt");
    if (!attempt || attempt.id !== attemptId) return view;
    const queue = store.get("queue");
    const values = store.get("values");
    store.get("views").set(n, view);
    if (queue) queue.noteServer(n, view.saved_seq);
    if (!values.has(n)) values.set(n, queue && queue.has(n) ? queue.localAnswer(n) : view.saved_answer);
    ExamPage.phone.mergePhotos(n, view.photos || [], true);
    updateNavItem(n);
    return view;
  }

  async function prefetch(attemptId) {
    // Every question in memory, so that answering goes on while the network is away.
    const sameAttempt = () => store.get("attempt") && store.get("attempt").id === attemptId;
    for (let n = 1; sameAttempt() && n <= store.get("attempt").count; n += 1) {
      if (store.get("views").has(n) || store.get("locked")) continue;
      if (!navigator.onLine) return;  // goTo fetches what is still missing
      try {
        await fetchQuestion(n);
      } catch (error) {
        if (ExamPage.attempt.problem(error)) return;
      }
    }
  }

  async function goTo(n) {
    const attempt = store.get("attempt");
    if (!attempt || n < 1 || n > attempt.count) return;
    const previous = store.get("current");
    const queue = store.get("queue");
    if (previous && previous !== n && queue) queue.flushNow(previous);
    store.set("current", n);
    writeJson(sessionStorage, "examcloud.position." + attempt.id, n);
    ExamPage.phone.stopQr();
    if (previous) updateNavItem(previous);
    updateNavItem(n);
    $("prev-button").disabled = n <= 1;
    $("next-button").disabled = n >= attempt.count;
    const token = store.get("questionToken") + 1;
    store.set("questionToken", token);
    const cached = store.get("views").get(n);
    if (cached) renderQuestion(cached);
    else renderQuestionLoading(n);
    if (!navigator.onLine) {
      if (!cached) renderQuestionError(n, null);
      return;
    }
    try {
      const view = await fetchQuestion(n);
      if (token !== store.get("questionToken")) return;
      if (!cached) renderQuestion(view);
      else ExamPage.phone.renderPhotos(n);  // fresh photo links; the answer on screen stays as typed
    } catch (error) {
      if (token !== store.get("questionToken") || ExamPage.attempt.problem(error)) return;
      if (!cached) renderQuestionError(n, error);
    }
  }

  function renderQuestionLoading(n) {
    $("question").dataset.n = String(n);
    $("question").dataset.type = "";
    $("q-number").textContent = "第 " + n + " 题 / 共 " + store.get("attempt").count + " 题";
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
    $("q-number").textContent = "第 " + n + " 题 / 共 " + store.get("attempt").count + " 题";
    $("q-type").textContent = TYPE_LABELS[view.type] || view.type;
    $("q-score").textContent = fmtScore(view.score) + " 分";
    $("q-stem").textContent = view.stem;
    const form = $("q-answer");
    const fieldset = el("fieldset", {}, [el("legend", { className: "visually-hidden", text: "第 " + n + " 题作答" })]);
    fieldset.disabled = store.get("locked");
    renderInputs(view, fieldset);
    form.replaceChildren(fieldset);
    const photoQuestion = isPhotoQuestion(view);
    $("phone-panel").hidden = !photoQuestion;
    if (photoQuestion) {
      ExamPage.phone.renderPhoneStatus(n);
      ExamPage.phone.renderPhotos(n);
      ExamPage.phone.loadQr(n);
      ExamPage.upload.renderControls(n);
    }
  }

  function isPhotoQuestion(view) { return PHOTO_TYPES.indexOf(view.type) >= 0; }

  function setAnswer(n, value) {
    const queue = store.get("queue");
    if (store.get("locked") || !queue) return;
    store.get("values").set(n, value);
    queue.set(n, value);
    updateNavItem(n);
  }

  function renderInputs(view, fieldset) {
    const n = view.n;
    const values = store.get("values");
    const value = values.has(n) ? values.get(n) : view.saved_answer;
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
      const filled = Array.isArray(value) ? value : [];
      const inputs = [];
      for (let i = 0; i < blanks; i += 1) {
        const input = el("input", { type: "text", id: name + "-blank-" + (i + 1), className: "blank",
          autocomplete: "off", dataset: { blank: String(i + 1) } });
        input.value = filled[i] === undefined || filled[i] === null ? "" : String(filled[i]);
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

  ExamPage.questions = { buildNavigator, updateNavItem, prefetch, goTo, isPhotoQuestion };
})(window);

// 题库: a course's questions, adding one, importing JSON/XLSX with a per-row report.
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;
  const TYPES = ["single", "multiple", "judge", "fill", "essay", "photo"];

  function answerText(question) {
    const answer = question.answer;
    if (answer === null || answer === undefined || answer === "") return "—";
    if (question.type === "judge") return answer ? "对" : "错";
    if (question.type === "multiple" && Array.isArray(answer)) return answer.join("");
    if (question.type === "fill" && Array.isArray(answer)) {
      return answer.map((blank) => (Array.isArray(blank) ? blank.join(" / ") : String(blank))).join(" | ");
    }
    return String(answer);
  }

  /** "A. 上海" per line (the key may be left out: A, B, C... in order). */
  function parseOptions(text) {
    const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    return lines.map((line, index) => {
      const match = /^([A-Za-z])\s*[.．、:：)）]\s*(.+)$/.exec(line);
      return match ? { key: match[1].toUpperCase(), text: match[2].trim() } : { key: String.fromCharCode(65 + index), text: line };
    });
  }

  C.views.questions = {
    title: "题库",
    async render(root, params, ctx) {
      const courses = await C.listAll("/courses");
      if (!ctx.alive) return;
      const picker = C.select({ id: "question-course", value: params.course || "" },
        courses.map((course) => ({ value: course.id, label: `${course.name}（${course.code}）` })), "选择课程");
      picker.addEventListener("change", () => C.go("questions", { course: picker.value }));
      const course = courses.find((item) => String(item.id) === String(params.course));
      const head = C.viewHead("题库", "按课程管理题目；调卷规则从这里抽题");
      if (!course) {
        clear(root, head, C.card(null, h("div", { class: "toolbar" }, C.field("课程", picker)),
          courses.length ? h("p", { class: "muted" }, "请选择课程。") : h("p", { class: "muted" }, "还没有课程，请先在“课程”中创建。")));
        return;
      }

      let page = 1;
      let typeFilter = params.type || "";
      const listBox = C.alertBox();
      const holder = h("div", { id: "question-list" });
      const typeSelect = C.select({ value: typeFilter }, TYPES.map((value) => ({ value, label: C.label("questionType", value) })), "全部题型");
      typeSelect.addEventListener("change", () => { typeFilter = typeSelect.value; page = 1; load(); });

      async function load() {
        let result;
        try {
          result = await C.list(`/courses/${course.id}/questions`, { type: typeFilter, page });
        } catch (error) {
          C.fail(listBox, error);
          return;
        }
        if (!ctx.alive) return;
        clear(holder,
          C.table(["编号", "题型", "题干", "答案", "分值"], result.items.map((question) => h("tr", null,
            h("td", null, question.external_id || String(question.id)),
            h("td", null, C.label("questionType", question.type)),
            h("td", { class: "stem" }, question.stem,
              question.options && question.options.length && question.type !== "judge"
                ? h("ul", { class: "options" }, question.options.map((option) => h("li", null, `${option.key}. ${option.text}`))) : null),
            h("td", null, answerText(question)),
            h("td", null, C.fmtScore(question.score)))), "题库为空"),
          C.pager(result, (next) => { page = next; load(); }));
      }

      // --- add one question
      const box = C.alertBox();
      const type = C.select({ name: "type" }, TYPES.map((value) => ({ value, label: C.label("questionType", value) })));
      const stem = h("textarea", { name: "stem", rows: 2, required: true });
      const options = h("textarea", { name: "options", rows: 4, placeholder: "每行一个选项，如：\nA. 上海\nB. 北京" });
      const answer = h("input", { name: "answer" });
      const score = h("input", { name: "score", type: "number", min: 0.5, step: 0.5, value: "2", required: true });
      const optionsField = C.field("选项", options);
      const answerHints = {
        single: "选项标识，如 B", multiple: "多个选项标识，如 AC", judge: "对 或 错",
        fill: "多个空用 | 分隔，同一空的多个答案用 / 分隔，如 3.14/3.1416|H2O", essay: "参考答案（可选）", photo: "参考答案（可选）",
      };
      const answerField = C.field("答案", answer);
      const updateType = () => {
        optionsField.hidden = !["single", "multiple"].includes(type.value);
        answer.placeholder = answerHints[type.value];
      };
      type.addEventListener("change", updateType);
      updateType();
      const addButton = h("button", { class: "btn btn-primary", type: "submit" }, "添加题目");
      const form = h("form", { class: "form", id: "question-create" },
        C.field("题型", type), C.field("题干", stem), optionsField, answerField, C.field("分值", score), addButton, box);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        C.busy(addButton, box, async () => {
          const body = { type: type.value, stem: stem.value.trim(), score: Number(score.value) };
          if (["single", "multiple"].includes(type.value)) body.options = parseOptions(options.value);
          const text = answer.value.trim();
          if (text) body.answer = text;
          const question = await C.post(`/courses/${course.id}/questions`, body);
          C.show(box, "ok", `已添加${C.label("questionType", question.type)}：${question.stem}`);
          stem.value = "";
          options.value = "";
          answer.value = "";
          await load();
        });
      });

      // --- import
      const importBox = C.alertBox();
      const importPicker = C.filePicker({ accept: ".json,.xlsx,application/json", id: "question-import-file" });
      const importFile = importPicker.input;
      const importButton = h("button", { class: "btn btn-primary", type: "button" }, "导入");
      const importResult = h("div", { id: "question-import-report" });
      importButton.addEventListener("click", () => C.busy(importButton, importBox, async () => {
        C.hide(importBox);
        const file = C.readFile(importFile);
        if (!file) { C.show(importBox, "warn", "请先选择 JSON 或 XLSX 文件"); return; }
        const response = await C.call("POST", `/courses/${course.id}/questions/import`, C.formData(file));
        const report = response.data;
        const errors = report.errors || [];
        clear(importResult, h("div", { class: "report" },
          h("p", { class: "report-summary" }, `共 ${report.total} 题：新增 ${report.created}，未变 ${report.unchanged}，错误 ${errors.length}`),
          errors.length ? C.table(["行号", "字段", "原因"], errors.map((error) => h("tr", { class: "row-error" },
            h("td", null, `第 ${error.line} 行`), h("td", null, error.field ? C.label("fields", error.field) : "—"), h("td", null, error.reason)))) : null));
        await load();
      }));

      clear(root, head,
        C.card(null, h("div", { class: "toolbar" }, C.field("课程", picker), C.field("题型", typeSelect))),
        h("div", { class: "grid-2" },
          C.card("添加题目", form),
          C.card("导入题目",
            h("p", { class: "hint" }, "JSON（题目对象的数组，字段 type、stem、options、answer、score）或 XLSX（表头：题型、题干、选项、答案、分值）。"),
            h("div", { class: "inline-form" }, importPicker.element, importButton), importBox, importResult)),
        C.card(`${course.name} 的题目`, listBox, holder));
      await load();
    },
  };
})(window);

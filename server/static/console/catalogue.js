// 考试批, 课程, 考试 (with enrolment), and the paper-rule editor (调卷规则, FAQ 14).
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;
  const TYPES = ["single", "multiple", "judge", "fill", "essay", "photo"];

  // ---------------------------------------------------------------- 考试批
  C.views.batches = {
    title: "考试批",
    async render(root, params, ctx) {
      const box = C.alertBox();
      const holder = h("div");
      const nameInput = h("input", { name: "name", required: true, placeholder: "如 2025年春季期末" });
      const button = h("button", { class: "btn btn-primary", type: "submit" }, "新建考试批");
      const form = h("form", { class: "inline-form", id: "batch-create" }, C.field("名称", nameInput), button);
      let page = 1;
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        C.busy(button, box, async () => {
          const batch = await C.post("/batches", C.withSchool({ name: nameInput.value.trim() }));
          C.show(box, "ok", `已创建考试批：${batch.name}`);
          form.reset();
          await load();
        });
      });
      async function load() {
        const result = await C.list("/batches", { page });
        if (!ctx.alive) return;
        clear(holder,
          C.table(["编号", "名称", "操作"], result.items.map((batch) => h("tr", { dataset: { batchId: String(batch.id) } },
            h("td", null, String(batch.id)), h("td", null, batch.name),
            h("td", { class: "actions" }, h("a", { class: "btn btn-small", href: `#/exams?batch=${batch.id}` }, "查看考试")))),
          "还没有考试批"),
          C.pager(result, (next) => { page = next; load(); }));
      }
      clear(root, C.viewHead("考试批", "每个考试批包含若干课程的考试"), C.card("新建", form, box), C.card("全部考试批", holder));
      await load();
    },
  };

  // ---------------------------------------------------------------- 课程
  C.views.courses = {
    title: "课程",
    async render(root, params, ctx) {
      const box = C.alertBox();
      const holder = h("div");
      const code = h("input", { name: "code", required: true, placeholder: "如 MATH101" });
      const name = h("input", { name: "name", required: true, placeholder: "如 高等数学" });
      const button = h("button", { class: "btn btn-primary", type: "submit" }, "新建课程");
      const form = h("form", { class: "inline-form", id: "course-create" }, C.field("课程代码", code), C.field("课程名称", name), button);
      let page = 1;
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        C.busy(button, box, async () => {
          const course = await C.post("/courses", C.withSchool({ code: code.value.trim(), name: name.value.trim() }));
          C.show(box, "ok", `已创建课程：${course.name}（${course.code}）`);
          form.reset();
          await load();
        });
      });
      async function load() {
        const result = await C.list("/courses", { page });
        if (!ctx.alive) return;
        clear(holder,
          C.table(["编号", "代码", "名称", "操作"], result.items.map((course) => h("tr", { dataset: { courseId: String(course.id) } },
            h("td", null, String(course.id)), h("td", { class: "mono" }, course.code), h("td", null, course.name),
            h("td", { class: "actions" }, h("a", { class: "btn btn-small", href: `#/questions?course=${course.id}` }, "题库")))),
          "还没有课程"),
          C.pager(result, (next) => { page = next; load(); }));
      }
      clear(root, C.viewHead("课程"), C.card("新建", form, box), C.card("全部课程", holder));
      await load();
    },
  };

  // ---------------------------------------------------------------- 考试
  function paperRuleBadge(exam) {
    return exam.paper_rule_missing
      ? h("span", { class: "paper-rule-missing" }, C.badge("未设置调卷规则", "danger"))
      : C.badge("已设置", "ok");
  }

  C.views.exams = {
    title: "考试",
    async render(root, params, ctx) {
      const [batches, courses] = await Promise.all([C.listAll("/batches"), C.listAll("/courses")]);
      if (!ctx.alive) return;
      const box = C.alertBox();
      const holder = h("div", { id: "exam-list" });
      let page = 1;
      let batchFilter = params.batch || "";

      // --- create
      const now = new Date();
      const batchSelect = C.select({ name: "batch_id", required: true, value: batchFilter },
        batches.map((batch) => ({ value: batch.id, label: batch.name })), "选择考试批");
      const courseSelect = C.select({ name: "course_id", required: true },
        courses.map((course) => ({ value: course.id, label: `${course.name}（${course.code}）` })), "选择课程");
      const startsAt = h("input", { type: "datetime-local", name: "starts_at", required: true, value: C.beijingLocal(new Date(now.getTime() + 3600e3)) });
      const endsAt = h("input", { type: "datetime-local", name: "ends_at", required: true, value: C.beijingLocal(new Date(now.getTime() + 3 * 3600e3)) });
      const duration = h("input", { type: "number", name: "duration_minutes", min: 1, max: 1440, value: "90", required: true });
      const faceCheck = h("input", { type: "checkbox", name: "face_check_required", checked: true });
      const button = h("button", { class: "btn btn-primary", type: "submit" }, "新建考试");
      const form = h("form", { class: "form form-grid", id: "exam-create" },
        C.field("考试批", batchSelect), C.field("课程", courseSelect),
        C.field("开始时间（北京时间）", startsAt), C.field("结束时间（北京时间）", endsAt),
        C.field("考试时长（分钟）", duration, "截止时间取 开始作答+时长 与 结束时间 中较早者"),
        h("label", { class: "field field-check" }, faceCheck, h("span", null, "进入考试需人脸核验")),
        h("div", { class: "form-actions" }, button));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        C.busy(button, box, async () => {
          const exam = await C.post("/exams", {
            batch_id: Number(batchSelect.value), course_id: Number(courseSelect.value),
            starts_at: C.beijingIso(startsAt.value), ends_at: C.beijingIso(endsAt.value),
            duration_minutes: Number(duration.value), face_check_required: faceCheck.checked,
          });
          C.show(box, "ok", `已创建考试：${C.examLabel(exam)}。下一步：报名学生并设置调卷规则。`);
          await load();
        });
      });
      if (!batches.length || !courses.length) {
        C.show(box, "warn", "请先创建考试批和课程，再创建考试。");
      }

      const filter = C.select({ id: "exam-batch-filter", value: batchFilter },
        batches.map((batch) => ({ value: batch.id, label: batch.name })), "全部考试批");
      filter.addEventListener("change", () => { batchFilter = filter.value; page = 1; load(); });

      async function load() {
        const result = await C.list("/exams", { batch_id: batchFilter, page });
        if (!ctx.alive) return;
        clear(holder,
          C.table(["编号", "考试批", "课程", "时间（北京时间）", "时长", "人脸核验", "调卷规则", "操作"],
            result.items.map((exam) => h("tr", { dataset: { examId: String(exam.id) }, class: exam.paper_rule_missing ? "row-warn" : "" },
              h("td", null, String(exam.id)),
              h("td", null, exam.batch ? exam.batch.name : String(exam.batch_id)),
              h("td", null, exam.course ? `${exam.course.name}（${exam.course.code}）` : String(exam.course_id)),
              h("td", null, `${C.fmtTime(exam.starts_at)} 至 ${C.fmtTime(exam.ends_at)}`),
              h("td", null, `${exam.duration_minutes} 分钟`),
              h("td", null, exam.face_check_required ? "需要" : "不需要"),
              h("td", null, paperRuleBadge(exam)),
              h("td", { class: "actions" },
                h("a", { class: "btn btn-small", href: `#/enrol?exam=${exam.id}` }, "报名学生"),
                h("a", { class: exam.paper_rule_missing ? "btn btn-small btn-primary" : "btn btn-small", href: `#/paper-rule?exam=${exam.id}` }, "调卷规则"),
                h("a", { class: "btn btn-small", href: `#/live?exam=${exam.id}` }, "实时监考")))),
            "还没有考试"),
          C.pager(result, (next) => { page = next; load(); }));
      }
      clear(root,
        C.viewHead("考试", "考试 = 考试批 × 课程；没有调卷规则的考试，考生进入时会提示“调取试卷失败，请与老师联系”（FAQ 14）"),
        C.card("新建考试", form, box),
        C.card("全部考试", h("div", { class: "toolbar" }, C.field("考试批", filter)), holder));
      await load();
    },
  };

  // ---------------------------------------------------------------- 报名
  C.views.enrol = {
    title: "报名学生",
    async render(root, params, ctx) {
      const examId = params.exam;
      if (!examId) { C.go("exams"); return; }
      const exam = await C.get(`/exams/${encodeURIComponent(examId)}`);
      if (!ctx.alive) return;
      const box = C.alertBox();
      const enrolledHolder = h("div", { id: "enrolled-list" });
      const pickerHolder = h("div", { id: "enrol-picker" });
      const selected = new Set();
      let query = "";
      let enrolledPage = 1;
      let pickerPage = 1;

      async function loadEnrolled() {
        const result = await C.list(`/exams/${exam.id}/enrolments`, { page: enrolledPage });
        if (!ctx.alive) return;
        clear(enrolledHolder,
          C.table(["学号", "姓名"], result.items.map((student) => h("tr", null, h("td", null, student.student_no), h("td", null, student.name))),
            "还没有报名的学生（未报名的考生看不到该考试，FAQ 11）"),
          C.pager(result, (next) => { enrolledPage = next; loadEnrolled(); }));
      }

      async function loadPicker() {
        const result = await C.list("/students", { q: query, page: pickerPage });
        if (!ctx.alive) return;
        const boxes = result.items.map((student) => {
          const checkbox = h("input", { type: "checkbox", value: String(student.id), checked: selected.has(student.id) });
          checkbox.addEventListener("change", () => { if (checkbox.checked) selected.add(student.id); else selected.delete(student.id); updateCount(); });
          return { checkbox, student };
        });
        const all = h("button", { class: "btn btn-small", type: "button" }, "全选本页");
        all.addEventListener("click", () => { boxes.forEach(({ checkbox, student }) => { checkbox.checked = true; selected.add(student.id); }); updateCount(); });
        clear(pickerHolder,
          h("div", { class: "toolbar" }, all),
          C.table(["", "学号", "姓名"], boxes.map(({ checkbox, student }) => h("tr", null,
            h("td", { class: "check" }, checkbox), h("td", null, student.student_no), h("td", null, student.name))), "没有学生"),
          C.pager(result, (next) => { pickerPage = next; loadPicker(); }));
      }

      const count = h("span", { class: "muted" }, "已选 0 人");
      const updateCount = () => { count.textContent = `已选 ${selected.size} 人`; };
      const enrolButton = h("button", { class: "btn btn-primary", type: "button" }, "报名所选学生");
      enrolButton.addEventListener("click", () => C.busy(enrolButton, box, async () => {
        if (!selected.size) { C.show(box, "warn", "请先勾选学生"); return; }
        const result = await C.post(`/exams/${exam.id}/enrolments`, { student_ids: Array.from(selected) });
        C.show(box, "ok", `新报名 ${result.enrolled.length} 人，之前已报名 ${result.already_enrolled.length} 人`);
        selected.clear();
        updateCount();
        await Promise.all([loadEnrolled(), loadPicker()]);
      }));
      const search = h("input", { type: "search", placeholder: "学号 / 证件号 / 姓名" });
      const searchForm = h("form", { class: "toolbar" }, search, h("button", { class: "btn", type: "submit" }, "搜索"));
      searchForm.addEventListener("submit", (event) => { event.preventDefault(); query = search.value.trim(); pickerPage = 1; loadPicker(); });

      clear(root,
        C.viewHead(`报名学生 · ${C.examLabel(exam)}`, null, h("a", { class: "btn", href: "#/exams" }, "返回考试列表")),
        h("div", { class: "grid-2" },
          C.card("选择学生", searchForm, pickerHolder, h("div", { class: "toolbar" }, enrolButton, count), box),
          C.card("已报名", enrolledHolder)));
      await Promise.all([loadEnrolled(), loadPicker()]);
    },
  };

  // ---------------------------------------------------------------- 调卷规则
  async function bankCounts(courseId) {
    const counts = {};
    await Promise.all(TYPES.map(async (type) => {
      const result = await C.list(`/courses/${courseId}/questions`, { type, page_size: 1 });
      counts[type] = result.total;
    }));
    return counts;
  }

  C.views["paper-rule"] = {
    title: "调卷规则",
    async render(root, params, ctx) {
      const exams = await C.listAll("/exams");
      if (!ctx.alive) return;
      const picker = C.select({ id: "paper-rule-exam", value: params.exam || "" },
        exams.map((exam) => ({ value: exam.id, label: `${C.examLabel(exam)}${exam.paper_rule_missing ? "（未设置调卷规则）" : ""}` })), "选择考试");
      picker.addEventListener("change", () => C.go("paper-rule", { exam: picker.value }));
      const editorHolder = h("div", { id: "paper-rule-editor" });
      clear(root,
        C.viewHead("调卷规则", "每场考试（考试批 × 课程）都需要调卷规则：各题型抽取的题数和每题分值（FAQ 14）"),
        C.card(null, h("div", { class: "toolbar" }, C.field("考试", picker))),
        editorHolder);
      const exam = exams.find((item) => String(item.id) === String(params.exam));
      if (!exam) {
        if (params.exam) C.show(editorHolder.appendChild(C.alertBox()), "warn", "找不到该考试");
        return;
      }
      const [counts, rule] = await Promise.all([
        bankCounts(exam.course_id),
        exam.paper_rule_missing ? Promise.resolve(null) : C.get(`/exams/${exam.id}/paper-rule`),
      ]);
      if (!ctx.alive) return;
      renderEditor(editorHolder, exam, counts, rule);
    },
  };

  function renderEditor(holder, exam, counts, rule) {
    const box = C.alertBox();
    const rowsBody = h("tbody");
    const total = h("strong", { id: "paper-rule-total" }, "0");
    const status = h("div", { id: "paper-rule-status" });

    function setStatus(missing) {
      clear(status, missing
        ? h("div", { class: "alert alert-warn" }, C.badge("未设置调卷规则", "danger"),
          " 考生进入考试时会提示“调取试卷失败，请与老师联系”（FAQ 14）。请设置各题型的抽题数量和分值。")
        : h("div", { class: "alert alert-ok" }, "调卷规则已设置，考生可以开始考试。"));
    }

    function recompute() {
      let sum = 0;
      for (const row of rowsBody.children) {
        const count = Number(row.querySelector("[name=count]").value) || 0;
        const score = Number(row.querySelector("[name=score]").value) || 0;
        sum += count * score;
      }
      total.textContent = C.fmtScore(sum);
    }

    function addRow(section) {
      const type = C.select({ name: "type" }, TYPES.map((value) => ({ value, label: `${C.label("questionType", value)}（题库 ${counts[value] || 0} 道）` })));
      type.value = section.type;
      const count = h("input", { type: "number", name: "count", min: 1, step: 1, value: String(section.count) });
      const score = h("input", { type: "number", name: "score", min: 0.5, step: 0.5, value: String(section.score) });
      const remove = h("button", { class: "btn btn-small btn-ghost", type: "button" }, "删除");
      const row = h("tr", { class: "section-row" }, h("td", null, type), h("td", null, count), h("td", null, score), h("td", null, remove));
      remove.addEventListener("click", () => { row.remove(); recompute(); });
      [type, count, score].forEach((input) => input.addEventListener("input", recompute));
      rowsBody.appendChild(row);
      recompute();
    }

    const addButton = h("button", { class: "btn", type: "button", id: "paper-rule-add" }, "添加大题");
    addButton.addEventListener("click", () => {
      const unused = TYPES.find((type) => counts[type] && !Array.from(rowsBody.querySelectorAll("[name=type]")).some((select) => select.value === type));
      addRow({ type: unused || "single", count: 1, score: 2 });
    });
    const saveButton = h("button", { class: "btn btn-primary", type: "button", id: "paper-rule-save" }, "保存调卷规则");
    saveButton.addEventListener("click", () => C.busy(saveButton, box, async () => {
      C.hide(box);
      const sections = Array.from(rowsBody.children).map((row) => ({
        type: row.querySelector("[name=type]").value,
        count: Number(row.querySelector("[name=count]").value),
        score: Number(row.querySelector("[name=score]").value),
      }));
      const saved = await C.put(`/exams/${exam.id}/paper-rule`, { sections });
      exam.paper_rule_missing = false;
      setStatus(false);
      C.show(box, "ok", `已保存调卷规则：共 ${saved.sections.reduce((n, s) => n + s.count, 0)} 题，总分 ${C.fmtScore(saved.total_score)}`);
    }));

    if (rule && rule.sections.length) rule.sections.forEach(addRow);
    else TYPES.filter((type) => counts[type]).forEach((type) => addRow({ type, count: 1, score: 2 }));
    setStatus(!!exam.paper_rule_missing);

    clear(holder, C.card(`${C.examLabel(exam)}`,
      status,
      h("p", { class: "muted", id: "bank-counts" }, "题库现有：",
        TYPES.map((type) => `${C.label("questionType", type)} ${counts[type] || 0} 道`).join("，"),
        " ", h("a", { href: `#/questions?course=${exam.course_id}` }, "管理题库")),
      h("div", { class: "table-wrap" }, h("table", { class: "table" },
        h("thead", null, h("tr", null, h("th", null, "题型"), h("th", null, "题数"), h("th", null, "每题分值"), h("th", null, ""))),
        rowsBody)),
      h("div", { class: "toolbar" }, addButton, h("span", null, "总分 ", total), saveButton),
      box));
  }
})(window);

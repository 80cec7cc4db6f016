// 学生管理: search, create, CSV/XLSX import with its per-row report, password reset (FAQ 1, 12),
// base photos one by one (FAQ 8) and in bulk from a zip.
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;

  function importReport(report) {
    const errors = report.errors || [];
    return h("div", { class: "report", dataset: { report: "students" } },
      h("p", { class: "report-summary" },
        `共 ${report.total} 行：新建 ${report.created} 人，未变 ${report.unchanged} 人，错误 ${errors.length} 行`),
      errors.length ? C.table(["行号", "字段", "原因"], errors.map((error) => h("tr", { class: "row-error" },
        h("td", null, `第 ${error.line} 行`),
        h("td", null, error.field ? C.label("fields", error.field) : "—"),
        h("td", null, error.reason)))) : h("p", { class: "ok-text" }, "全部行已处理，没有错误。"));
  }
  C.labels.fields = { student_no: "学号", id_number: "证件号", name: "姓名", type: "题型", stem: "题干",
    options: "选项", answer: "答案", score: "分值", external_id: "编号", file: "文件" };
  C.importReport = importReport;

  function zipReport(report) {
    const files = report.files || [];
    return h("div", { class: "report", dataset: { report: "base-photos" } },
      h("p", { class: "report-summary" },
        `共 ${report.total} 个文件：已接收 ${report.accepted} 个，错误 ${files.filter((f) => f.status === "error").length} 个（已接收的照片处理完成后自动启用）`),
      C.table(["文件", "结果"], files.map((file) => h("tr", { class: file.status === "error" ? "row-error" : "" },
        h("td", null, file.file),
        h("td", null, file.status === "accepted" ? C.badge(file.student_no ? `已接收 · 学号 ${file.student_no}` : "已接收", "ok") : C.badge("错误", "danger"),
          file.reason ? h("div", { class: "reason" }, file.reason) : null)))));
  }

  function basePhotoStatus(photo) {
    if (!photo) return C.badge("无", "plain");
    const kind = { active: "ok", processing: "info", unusable: "danger", replaced: "plain" }[photo.status] || "plain";
    const parts = [C.badge(C.label("basePhotoStatus", photo.status), kind)];
    if (photo.status === "unusable" && photo.reason) parts.push(h("span", { class: "reason" }, `原因：${C.label("faceReason", photo.reason)}`));
    return h("span", { class: "photo-status" }, parts);
  }

  /** The base-photo panel under a student's row: active photo, newest upload, upload form. */
  function basePhotoPanel(student, ctx) {
    const body = h("div", { class: "photo-panel", dataset: { studentPanel: String(student.id) } }, h("p", { class: "muted" }, "加载中…"));
    const box = C.alertBox();
    let polling = false;

    async function load() {
      const state = await C.get(`/students/${student.id}/base-photo`);
      const active = state.active;
      const latest = state.latest;
      const picker = C.filePicker({ accept: "image/jpeg,image/png,image/webp,image/*" });
      const fileInput = picker.input;
      const upload = h("button", { class: "btn btn-primary btn-small", type: "button" }, "上传底照");
      upload.addEventListener("click", () => C.busy(upload, box, async () => {
        const file = C.readFile(fileInput);
        if (!file) { C.show(box, "warn", "请先选择照片文件"); return; }
        const photo = (await C.call("PUT", `/students/${student.id}/base-photo`, C.formData(file))).data;
        C.show(box, "info", `已上传，状态：${C.label("basePhotoStatus", photo.status)}（后台正在检测人脸）`);
        await load();
      }));
      clear(body,
        h("div", { class: "photo-panel-grid" },
          h("figure", { class: "photo-figure" },
            C.photo(active && active.status === "active" ? active.url : null, "当前底照", "尚无启用的底照（FAQ 8）"),
            h("figcaption", null, "当前底照 ", active ? h("span", { class: "muted" },
              `${C.label("basePhotoSource", active.source)} · ${C.fmtTime(active.activated_at || active.created_at)}`) : null)),
          h("div", { class: "photo-panel-side" },
            h("p", { dataset: { latestStatus: latest ? latest.status : "none" } }, "最新上传：", basePhotoStatus(latest),
              latest ? h("span", { class: "muted" }, ` ${C.fmtTime(latest.created_at)}`) : null),
            h("div", { class: "inline-form" }, picker.element, upload),
            h("p", { class: "hint" }, "照片中需有且只有一张清晰的正脸；检测通过后自动启用。"),
            box)));
      // The "uploaded, processing" note is over once the worker has decided.
      if (latest && latest.status !== "processing" && box.classList.contains("alert-info")) C.hide(box);
      if (latest && latest.status === "processing" && !polling && ctx.alive) {
        polling = true;
        setTimeout(async () => {
          polling = false;
          if (ctx.alive && body.isConnected) await load().catch((error) => C.fail(box, error));
        }, C.config.queuePollMs);
      }
    }
    load().catch((error) => { clear(body); body.appendChild(box); C.fail(box, error); });
    return body;
  }

  C.views.students = {
    title: "学生管理",
    async render(root, params, ctx) {
      let page = 1;
      let query = params.q || "";
      const listBox = C.alertBox();
      const actionBox = C.alertBox();
      const tableHolder = h("div", { id: "students-table" });

      // --- search
      const search = h("input", { type: "search", name: "q", placeholder: "学号 / 证件号 / 姓名", value: query, id: "student-search" });
      const searchForm = h("form", { class: "toolbar", id: "student-search-form" }, search,
        h("button", { class: "btn", type: "submit" }, "搜索"));
      searchForm.addEventListener("submit", (event) => { event.preventDefault(); query = search.value.trim(); page = 1; load(); });

      // --- create
      const createBox = C.alertBox();
      const no = h("input", { name: "student_no", required: true, placeholder: "如 2024001" });
      const idNumber = h("input", { name: "id_number", required: true, placeholder: "18 位身份证号或其他证件号" });
      const name = h("input", { name: "name", required: true });
      const createButton = h("button", { class: "btn btn-primary", type: "submit" }, "新建学生");
      const createForm = h("form", { class: "form", id: "student-create" },
        C.field("学号", no), C.field("证件号", idNumber), C.field("姓名", name), createButton, createBox);
      createForm.addEventListener("submit", (event) => {
        event.preventDefault();
        C.busy(createButton, createBox, async () => {
          const student = await C.post("/students", C.withSchool({
            student_no: no.value.trim(), id_number: idNumber.value.trim(), name: name.value.trim(),
          }));
          C.show(createBox, "ok", `已创建 ${student.name}（${student.student_no}），默认密码为证件号后 6 位（证件号含括号的为 123456）`);
          createForm.reset();
          load();
        });
      });

      // --- import
      const importBox = C.alertBox();
      const importPicker = C.filePicker({ accept: ".csv,.xlsx,text/csv", id: "student-import-file" });
      const importFile = importPicker.input;
      const importButton = h("button", { class: "btn btn-primary", type: "button", id: "student-import-submit" }, "导入");
      const importResult = h("div", { id: "student-import-report" });
      importButton.addEventListener("click", () => C.busy(importButton, importBox, async () => {
        C.hide(importBox);
        const file = C.readFile(importFile);
        if (!file) { C.show(importBox, "warn", "请先选择 CSV 或 XLSX 文件"); return; }
        const response = await C.call("POST", "/students/import" + C.query(C.schoolQuery()), C.formData(file));
        clear(importResult, importReport(response.data));
        load();
      }));

      // --- bulk base photos
      const zipBox = C.alertBox();
      const zipPicker = C.filePicker({ accept: ".zip,application/zip", id: "base-photo-zip" });
      const zipFile = zipPicker.input;
      const zipButton = h("button", { class: "btn btn-primary", type: "button" }, "上传压缩包");
      const zipResult = h("div", { id: "base-photo-zip-report" });
      zipButton.addEventListener("click", () => C.busy(zipButton, zipBox, async () => {
        C.hide(zipBox);
        const file = C.readFile(zipFile);
        if (!file) { C.show(zipBox, "warn", "请先选择 zip 文件"); return; }
        const response = await C.call("POST", "/students/base-photos" + C.query(C.schoolQuery()), C.formData(file));
        clear(zipResult, zipReport(response.data));
      }));

      async function resetPassword(student, button, box) {
        await C.busy(button, box, async () => {
          await C.post(`/students/${student.id}/reset-password`, {});
          C.show(box, "ok", `已将 ${student.name}（${student.student_no}）的密码重置为默认密码：证件号后 6 位（证件号含括号的为 123456）`);
          load();
        });
      }

      async function load() {
        C.hide(listBox);
        let result;
        try {
          result = await C.list("/students", { q: query, page });
        } catch (error) {
          C.fail(listBox, error);
          return;
        }
        if (!ctx.alive) return;
        const rows = [];
        for (const student of result.items) {
          const panelRow = h("tr", { class: "detail-row", hidden: true }, h("td", { colspan: 5 }));
          const photoButton = h("button", { class: "btn btn-small", type: "button" }, "底照");
          photoButton.addEventListener("click", () => {
            panelRow.hidden = !panelRow.hidden;
            if (!panelRow.hidden) clear(panelRow.firstChild, basePhotoPanel(student, ctx));
          });
          const resetButton = h("button", { class: "btn btn-small", type: "button" }, "重置密码");
          resetButton.addEventListener("click", () => resetPassword(student, resetButton, actionBox));
          rows.push(h("tr", { dataset: { studentId: String(student.id), studentNo: student.student_no } },
            h("td", null, student.student_no),
            h("td", null, student.name),
            h("td", { class: "mono" }, student.id_number),
            h("td", null, student.uses_default_password ? C.badge("默认密码", "plain") : C.badge("已修改", "info")),
            h("td", { class: "actions" }, resetButton, photoButton)));
          rows.push(panelRow);
        }
        clear(tableHolder,
          C.table(["学号", "姓名", "证件号", "密码", "操作"], rows, query ? "没有符合条件的学生" : "还没有学生，请新建或导入"),
          C.pager(result, (next) => { page = next; load(); }));
      }

      clear(root,
        C.viewHead("学生管理", "查找学生、重置密码（FAQ 1、12）、上传底照（FAQ 8）"),
        h("div", { class: "grid-3" },
          C.card("新建学生", createForm),
          C.card("批量导入学生",
            h("p", { class: "hint" }, "CSV（UTF-8 或 GBK）或 XLSX，表头：学号、证件号、姓名。已存在且信息相同的学生记为“未变”。"),
            h("div", { class: "inline-form" }, importPicker.element, importButton), importBox, importResult),
          C.card("批量上传底照",
            h("p", { class: "hint" }, "zip 压缩包，文件名为学号，如 2024001.jpg。"),
            h("div", { class: "inline-form" }, zipPicker.element, zipButton), zipBox, zipResult)),
        C.card("学生列表", searchForm, actionBox, listBox, tableHolder));
      await load();
    },
  };
})(window);

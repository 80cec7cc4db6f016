// 实时监考: who is online, whose phone is paired, the second camera, flags as they arrive.
// Refreshed every 5 s (C.config.liveIntervalMs; `?live_interval=<ms>` in the page URL).
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;

  C.views.live = {
    title: "实时监考",
    async render(root, params, ctx) {
      const exams = await C.listAll("/exams");
      if (!ctx.alive) return;
      const picker = C.select({ id: "live-exam", value: params.exam || "" },
        exams.map((exam) => ({ value: exam.id, label: C.examLabel(exam) })), "选择考试");
      picker.addEventListener("change", () => C.go("live", { exam: picker.value }));
      const exam = exams.find((item) => String(item.id) === String(params.exam));
      const intervalMs = C.config.liveIntervalMs;
      const head = C.viewHead("实时监考", `每 ${C.fmtScore(intervalMs / 1000)} 秒自动刷新；新标记会高亮显示`);
      if (!exam) {
        clear(root, head, C.card(null, h("div", { class: "toolbar" }, C.field("考试", picker)),
          h("p", { class: "muted" }, exams.length ? "请选择要监看的考试。" : "还没有考试。")));
        return;
      }

      const summary = h("div", { class: "live-summary", id: "live-summary" });
      const updated = h("span", { class: "muted", id: "live-updated" }, "加载中…");
      const holder = h("div", { id: "live-table" });
      const box = C.alertBox();
      // Flags that arrived while the teacher is watching stay highlighted for a minute.
      const HIGHLIGHT_MS = 60 * 1000;
      const firstSeen = new Map();  // flag id → when this page first saw it (0: already there)
      let first = true;
      const isNew = (flag) => Date.now() - (firstSeen.get(flag.id) || 0) < HIGHLIGHT_MS;

      function flagCell(flags) {
        if (!flags.length) return h("span", { class: "muted" }, "无");
        return h("ul", { class: "live-flags" }, flags.map((flag) => {
          return h("li", { class: isNew(flag) ? "live-flag new" : "live-flag", dataset: { flagKind: flag.kind } },
            C.badge(flag.label || flag.kind, "danger"), " ", h("span", { class: "muted" }, C.fmtClock(flag.time)));
        }));
      }

      async function refresh() {
        let rows;
        try {
          rows = await C.get(`/exams/${exam.id}/live`);
        } catch (error) {
          C.fail(box, error);
          updated.textContent = `刷新失败 ${C.fmtClock(new Date())}`;
          return;
        }
        if (!ctx.alive) return;
        C.hide(box);
        for (const row of rows) {
          for (const flag of row.flags) if (!firstSeen.has(flag.id)) firstSeen.set(flag.id, first ? 0 : Date.now());
        }
        const online = rows.filter((row) => row.online).length;
        const started = rows.filter((row) => row.attempt_id !== null).length;
        const flagged = rows.filter((row) => row.flags.length).length;
        clear(summary,
          h("div", { class: "stat" }, h("span", { class: "stat-value" }, `${started}/${rows.length}`), h("span", { class: "stat-label" }, "已开始作答")),
          h("div", { class: "stat stat-ok" }, h("span", { class: "stat-value", id: "live-online-count" }, String(online)), h("span", { class: "stat-label" }, "在线")),
          h("div", { class: "stat stat-warn" }, h("span", { class: "stat-value" }, String(flagged)), h("span", { class: "stat-label" }, "有标记")));
        clear(holder, C.table(["学号", "姓名", "在线", "手机", "第二机位", "状态", "最后活动", "监考标记"],
          rows.map((row) => h("tr", { dataset: { attemptId: String(row.attempt_id || ""), studentNo: row.student_no || "" },
            class: row.flags.some(isNew) ? "row-new-flag" : "" },
            h("td", null, row.student_no || "—"),
            h("td", null, row.name || "—"),
            h("td", { class: "online-cell" }, row.online
              ? h("span", { class: "dot dot-online" }, "在线")
              : h("span", { class: "dot dot-offline" }, { submitted: "已交卷", not_started: "未进入" }[row.status] || "离线")),
            h("td", null, row.phones_paired ? `已配对 ${row.phones_paired} 次` : "未配对"),
            h("td", null, row.second_camera ? C.badge(C.label("secondCamera", row.second_camera), row.second_camera === "active" ? "ok" : "danger") : h("span", { class: "muted" }, "未使用")),
            h("td", null, row.status === "submitted" ? C.label("resultStatus", row.result_status) : C.label("attemptStatus", row.status)),
            h("td", null, C.fmtClock(row.last_seen_at)),
            h("td", null, flagCell(row.flags)))),
          "该考试还没有报名的考生"));
        first = false;
        updated.textContent = `上次刷新 ${C.fmtClock(new Date())}`;
      }

      const refreshNow = h("button", { class: "btn", type: "button" }, "立即刷新");
      refreshNow.addEventListener("click", () => C.busy(refreshNow, null, refresh));
      clear(root, head,
        C.card(null, h("div", { class: "toolbar" }, C.field("考试", picker), refreshNow, updated),
          h("p", { class: "muted" }, `${C.fmtTime(exam.starts_at)} 至 ${C.fmtTime(exam.ends_at)} · ${exam.face_check_required ? "需人脸核验" : "无需人脸核验"}`),
          exam.paper_rule_missing ? h("div", { class: "alert alert-warn" }, "该考试未设置调卷规则，考生无法开始作答（FAQ 14）。", h("a", { href: `#/paper-rule?exam=${exam.id}` }, "去设置")) : null),
        summary, box, C.card(null, holder));
      await refresh();
      ctx.every(intervalMs, refresh);
    },
  };
})(window);

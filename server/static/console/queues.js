// The teacher's queues: 底照申请 (replacement base photos, FAQ 7), 监考待审 (flagged attempts,
// FAQ 18) and 诚信事件 (integrity events, FAQ 2, 24, 25).
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;

  /** Tabs that switch a `status` route parameter. */
  function tabs(route, current, choices) {
    return h("div", { class: "tabs", role: "tablist" }, choices.map(([value, label]) =>
      h("a", { class: value === current ? "tab active" : "tab", href: `#/${route}?status=${value}`, role: "tab" }, label)));
  }

  /** Keeps what the teacher typed in the note fields across a re-render of the list. */
  function notesOf(holder) {
    const notes = {};
    for (const input of holder.querySelectorAll("[data-note-for]")) notes[input.dataset.noteFor] = input.value;
    return notes;
  }

  // ---------------------------------------------------------------- 底照申请
  function scoreBlock(request) {
    // The server says which score counts as the same person (FACE_MATCH_THRESHOLD); without it
    // the score is shown without a verdict.
    const threshold = typeof request.threshold === "number" ? request.threshold : null;
    if (!request.scored) {
      return h("div", { class: "score score-pending", dataset: { score: "pending" } },
        h("div", { class: "score-value" }, "处理中…"), h("div", { class: "hint" }, "正在检测照片并与当前底照比对"));
    }
    const parts = [];
    if (request.score === null || request.score === undefined) {
      parts.push(h("div", { class: "score-value score-none" }, "无可比较的人脸"));
      parts.push(h("div", { class: "hint" }, request.current_photo_url ? "未能在照片中比对人脸" : "该学生还没有可用的底照，无法比对"));
    } else if (threshold === null) {
      parts.push(h("div", { class: "score-value" }, `相似度 ${Number(request.score).toFixed(2)}`));
    } else {
      const same = request.score >= threshold;
      parts.push(h("div", { class: same ? "score-value score-same" : "score-value score-different" },
        `相似度 ${Number(request.score).toFixed(2)}`));
      parts.push(h("div", { class: "hint" }, `高于 ${threshold.toFixed(2)} 视为同一人`));
      parts.push(same ? C.badge("很可能是同一人", "ok") : C.badge("可能不是同一人，请仔细核对", "danger"));
    }
    if (request.quality_reason) {
      parts.push(h("div", { class: "quality" }, C.badge(`照片问题：${C.label("faceReason", request.quality_reason)}`, "warn")));
    }
    return h("div", { class: "score", dataset: { score: request.score === null || request.score === undefined ? "none" : String(request.score) } }, parts);
  }

  function requestCard(request, notes, onDecided) {
    const box = C.alertBox();
    const pending = request.status === "pending";
    const note = h("input", { class: "note", placeholder: "备注（可选，驳回时建议说明原因）", value: notes[request.id] || "", maxlength: 500,
      dataset: { noteFor: String(request.id) } });
    const approve = h("button", { class: "btn btn-primary", type: "button", disabled: !request.scored || !!request.quality_reason }, "批准，替换底照");
    const reject = h("button", { class: "btn btn-danger", type: "button" }, "驳回");
    const decide = (verb, button, done) => C.busy(button, box, async () => {
      approve.disabled = true;
      reject.disabled = true;
      try {
        await C.post(`/base-photo-requests/${request.id}/${verb}`, { note: note.value.trim() || null });
      } catch (error) {
        approve.disabled = !request.scored || !!request.quality_reason;
        reject.disabled = false;
        throw error;
      }
      onDecided(done);
    });
    approve.addEventListener("click", () => decide("approve", approve, `已批准 ${request.student_name || ""} 的底照申请，新底照已启用`));
    reject.addEventListener("click", () => decide("reject", reject, `已驳回 ${request.student_name || ""} 的底照申请`));
    const proposedUrl = request.scored ? request.photo_url : null;
    return h("article", { class: "card queue-item", dataset: { requestId: String(request.id) } },
      h("header", { class: "queue-item-head" },
        h("h3", null, `${request.student_name || "学生"}（${request.student_no || request.student_id}）`),
        h("span", { class: "muted" }, `申请时间 ${C.fmtTime(request.created_at)}`),
        pending ? null : C.badge(C.label("requestStatus", request.status), request.status === "approved" ? "ok" : "danger")),
      h("div", { class: "compare" },
        h("figure", { class: "photo-figure", dataset: { photo: "current" } },
          C.photo(request.current_photo_url, "当前底照", "没有当前底照"), h("figcaption", null, "当前底照")),
        scoreBlock(request),
        h("figure", { class: "photo-figure", dataset: { photo: "proposed" } },
          C.photo(proposedUrl, "申请的新照片", request.scored ? "无照片" : "照片处理中…"), h("figcaption", null, "申请的新照片"))),
      pending
        ? h("div", { class: "decision" }, note, approve, reject,
          request.quality_reason ? h("span", { class: "hint" }, "照片不可用作底照，只能驳回") : null, box)
        : h("p", { class: "muted" }, `${C.fmtTime(request.decided_at)} 处理`, request.decision_note ? `，备注：${request.decision_note}` : ""));
  }

  C.views["photo-requests"] = {
    title: "底照申请",
    async render(root, params, ctx) {
      const status = ["pending", "approved", "rejected"].includes(params.status) ? params.status : "pending";
      const holder = h("div", { class: "queue", id: "photo-request-queue" });
      const box = C.alertBox();
      const refresh = h("button", { class: "btn", type: "button" }, "刷新");
      let page = 1;
      let signature = "";

      async function load(force) {
        const result = await C.list("/base-photo-requests", { status, page, page_size: 20 });
        if (!ctx.alive) return result;
        const next = JSON.stringify(result.items.map((item) => [item.id, item.scored, item.status]));
        if (!force && next === signature) return result;
        signature = next;
        const notes = notesOf(holder);
        clear(holder, result.items.length
          ? result.items.map((item) => requestCard(item, notes, (message) => { C.show(box, "ok", message); C.refreshCounts(); load(true); }))
          : h("p", { class: "empty-queue" }, status === "pending" ? "没有待审核的底照申请" : "没有记录"),
        result.totalPages > 1 ? C.pager(result, (nextPage) => { page = nextPage; load(true); }) : null);
        return result;
      }
      refresh.addEventListener("click", () => C.busy(refresh, box, () => load(true)));

      clear(root,
        C.viewHead("底照申请", "学生从手机相册提交新的证件照（FAQ 7）；核对两张照片与相似度后批准或驳回", refresh),
        tabs("photo-requests", status, [["pending", "待审核"], ["approved", "已批准"], ["rejected", "已驳回"]]),
        box, holder);
      await load(true);
      // Photos still being scored: look again until they are; new requests show up within ~15 s.
      let ticks = 0;
      ctx.every(C.config.queuePollMs, async () => {
        ticks += 1;
        if (holder.querySelector("[data-score=pending]") || ticks % 8 === 0) await load(false);
      });
    },
  };

  // ---------------------------------------------------------------- 监考待审
  function flagItem(flag) {
    return h("li", { class: "flag", dataset: { flagKind: flag.kind } },
      h("div", { class: "flag-text" },
        h("strong", { class: "flag-label" }, flag.label || flag.kind),
        h("span", { class: "muted" }, C.fmtTime(flag.time))),
      flag.evidence_url
        ? C.photo(flag.evidence_url, `${flag.label || flag.kind} 的证据照片`)
        : h("div", { class: "photo photo-empty" }, "客户端上报，无照片"));
  }

  function reviewCard(review, examLabels, notes, onDecided) {
    const box = C.alertBox();
    const pending = review.result_status === "pending_review";
    const note = h("input", { class: "note", placeholder: "审核备注（可选）", maxlength: 500, value: notes[review.attempt_id] || "",
      dataset: { noteFor: String(review.attempt_id) } });
    const approve = h("button", { class: "btn btn-primary", type: "button" }, "通过，公布成绩");
    const reject = h("button", { class: "btn btn-danger", type: "button" }, "不通过");
    const decide = (decision, button, message) => C.busy(button, box, async () => {
      await C.post(`/attempts/${review.attempt_id}/review`, { decision, note: note.value.trim() || null });
      onDecided(message);
    });
    const who = `${review.name || "考生"}（${review.student_no || review.student_id}）`;
    approve.addEventListener("click", () => decide("approve", approve, `已通过 ${who} 的答卷，成绩已公布`));
    reject.addEventListener("click", () => decide("reject", reject, `已判定 ${who} 的答卷不通过`));
    return h("article", { class: "card queue-item", dataset: { attemptId: String(review.attempt_id) } },
      h("header", { class: "queue-item-head" },
        h("h3", null, who),
        h("span", { class: "muted" }, examLabels[review.exam_id] || `考试 ${review.exam_id}`),
        h("span", { class: "muted" }, `交卷 ${C.fmtTime(review.submitted_at)}`),
        h("span", { class: "objective" }, "客观分 ", h("strong", null, C.fmtScore(review.objective_score))),
        pending ? C.badge("待审核", "warn") : C.badge(C.label("resultStatus", review.result_status), review.result_status === "published" ? "ok" : "danger")),
      h("ul", { class: "flags" }, review.flags.length ? review.flags.map(flagItem) : h("li", { class: "muted" }, "没有标记")),
      pending
        ? h("div", { class: "decision" }, note, approve, reject, box)
        : h("p", { class: "muted" }, `${C.fmtTime(review.reviewed_at)} 审核：${review.review_decision === "approve" ? "通过" : "不通过"}`,
          review.review_note ? `，备注：${review.review_note}` : ""));
  }

  C.views.reviews = {
    title: "监考待审",
    async render(root, params, ctx) {
      const status = params.status === "decided" ? "decided" : "pending";
      const holder = h("div", { class: "queue", id: "review-queue" });
      const box = C.alertBox();
      const refresh = h("button", { class: "btn", type: "button" }, "刷新");
      const exams = await C.listAll("/exams").catch(() => []);
      const examLabels = Object.fromEntries(exams.map((exam) => [exam.id, C.examLabel(exam)]));
      let page = 1;
      let signature = "";

      async function load(force) {
        const result = await C.list("/reviews", { status, page, page_size: 20 });
        if (!ctx.alive) return;
        // Re-render only when the queue changed (the photo links are re-signed on every call).
        const next = JSON.stringify(result.items.map((item) => [item.attempt_id, item.result_status, item.flags.map((flag) => flag.id)]));
        if (force === false && next === signature) return;
        signature = next;
        const notes = notesOf(holder);
        clear(holder, result.items.length
          ? result.items.map((item) => reviewCard(item, examLabels, notes, (message) => { C.show(box, "ok", message); C.refreshCounts(); load(); }))
          : h("p", { class: "empty-queue" }, status === "pending" ? "没有待审核的答卷" : "没有记录"),
        result.totalPages > 1 ? C.pager(result, (next) => { page = next; load(); }) : null);
      }
      refresh.addEventListener("click", () => C.busy(refresh, box, load));
      if (!ctx.alive) return;
      clear(root,
        C.viewHead("监考待审", "考试中被标记（光线不足、摄像头遮挡、他人入镜、非本人等）的答卷，审核后才公布成绩（FAQ 18）", refresh),
        tabs("reviews", status, [["pending", "待审核"], ["decided", "已审核"]]),
        box, holder);
      await load();
      ctx.every(15000, () => load(false));
    },
  };

  // ---------------------------------------------------------------- 诚信事件
  function detailText(detail) {
    if (!detail || typeof detail !== "object") return "—";
    const parts = [];
    for (const [key, value] of Object.entries(detail)) {
      if (value === null || value === undefined || (Array.isArray(value) && !value.length)) continue;
      const name = { codes: "检测代码", remote_tools: "远程工具", client_version: "客户端版本", attempt_id: "答卷" }[key] || key;
      parts.push(`${name}：${Array.isArray(value) ? value.join("、") : typeof value === "object" ? JSON.stringify(value) : value}`);
    }
    return parts.length ? parts.join("；") : "—";
  }

  C.views.integrity = {
    title: "诚信事件",
    async render(root, params, ctx) {
      let page = 1;
      let code = params.code || "";
      const holder = h("div", { id: "integrity-list" });
      const box = C.alertBox();
      const filter = C.select({ value: code }, Object.entries(C.labels.integrityCode).map(([value, label]) => ({ value, label })), "全部类型");
      filter.addEventListener("change", () => { code = filter.value; page = 1; load(); });

      async function load() {
        let result;
        try {
          result = await C.list("/integrity-events", { code, page });
        } catch (error) {
          C.fail(box, error);
          return;
        }
        if (!ctx.alive) return;
        clear(holder,
          C.table(["时间", "学号", "姓名", "事件", "详情", "IP 地址"], result.items.map((event) => h("tr", null,
            h("td", null, C.fmtTime(event.created_at)),
            h("td", null, event.student_no || "—"),
            h("td", null, event.name || "—"),
            h("td", null, C.label("integrityCode", event.code)),
            h("td", { class: "detail" }, detailText(event.detail)),
            h("td", { class: "mono" }, event.client_address || "—"))), "没有诚信事件"),
          C.pager(result, (next) => { page = next; load(); }));
      }
      clear(root,
        C.viewHead("诚信事件", "登录或考试中检测到的远程协助、远程控制(e-01)、虚拟设备(e-02)等"),
        C.card(null, h("div", { class: "toolbar" }, C.field("类型", filter)), box, holder));
      await load();
    },
  };
})(window);

// Teacher console (管理端): shared helpers — DOM building, API calls, lists, labels, formatting.
// Plain JavaScript, no build step. Everything hangs off window.ExamConsole.
(function (global) {
  "use strict";

  const C = global.ExamConsole = global.ExamConsole || {};
  C.views = C.views || {};
  C.api = new global.ExamCloud.Api("console-token");

  // ---------------------------------------------------------------- configuration
  // The live view refreshes every 5 s; `?live_interval=<ms>` in the page URL (tests) or
  // <body data-live-interval> overrides it.
  C.config = {
    get liveIntervalMs() {
      const fromUrl = Number(new URLSearchParams(global.location.search).get("live_interval"));
      if (Number.isFinite(fromUrl) && fromUrl >= 200) return fromUrl;
      const fromBody = Number(document.body && document.body.dataset.liveInterval);
      return Number.isFinite(fromBody) && fromBody >= 200 ? fromBody : 5000;
    },
    // Background refresh of queues while photos are still being processed.
    queuePollMs: 2000,
    pageSize: 50,
  };

  // ---------------------------------------------------------------- DOM
  const PROPERTY_KEYS = new Set(["value", "checked", "disabled", "selected", "required", "multiple", "hidden"]);

  /** h("button", {class: "btn", onclick: fn, type: "button"}, "文字", child, [more]) */
  function h(tag, props, ...children) {
    const element = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false && !PROPERTY_KEYS.has(key)) continue;
        if (key === "class") element.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
        else if (key === "text") element.textContent = value;
        else if (key === "dataset") Object.assign(element.dataset, value);
        else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
        else if (PROPERTY_KEYS.has(key)) element[key] = value;
        else element.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(element, children);
    return element;
  }

  function append(parent, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(parent, child);
      else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return parent;
  }

  function clear(element, ...children) {
    while (element.firstChild) element.removeChild(element.firstChild);
    return append(element, children);
  }

  C.h = h;
  C.append = append;
  C.clear = clear;

  // ---------------------------------------------------------------- formatting
  const timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const clockFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  C.fmtTime = function (iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : timeFormat.format(date).replace(/\//g, "-");
  };
  C.fmtClock = function (iso) {
    if (!iso) return "—";
    const date = iso instanceof Date ? iso : new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : clockFormat.format(date);
  };
  C.fmtScore = function (value) {
    if (value === null || value === undefined) return "—";
    const number = Number(value);
    return Number.isInteger(number) ? String(number) : number.toFixed(2).replace(/0$/, "");
  };
  /** A datetime-local input's value (Beijing time) as ISO 8601 with the +08:00 offset. */
  C.beijingIso = function (localValue) {
    if (!localValue) return null;
    return (localValue.length === 16 ? localValue + ":00" : localValue) + "+08:00";
  };
  /** A Date as the value of a datetime-local input, in Beijing time. */
  C.beijingLocal = function (date) {
    const shifted = new Date(date.getTime() + 8 * 3600 * 1000);
    return shifted.toISOString().slice(0, 16);
  };

  // ---------------------------------------------------------------- labels
  C.labels = {
    questionType: { single: "单选题", multiple: "多选题", judge: "判断题", fill: "填空题", essay: "简答题", photo: "拍照题" },
    resultStatus: { in_progress: "作答中", grading: "成绩计算中", pending_review: "待审核", published: "已公布", rejected: "不通过" },
    attemptStatus: { not_started: "未开始", in_progress: "作答中", submitted: "已交卷" },
    basePhotoStatus: { processing: "处理中", active: "已启用", unusable: "不可用", replaced: "已被替换" },
    basePhotoSource: { teacher: "教师上传", request: "学生申请", upload: "教师上传", zip: "批量上传" },
    requestStatus: { pending: "待审核", approved: "已批准", rejected: "已驳回" },
    faceReason: {
      no_face: "未检测到人脸", multiple_faces: "照片中有多张人脸", too_dark: "光线太暗", blurry: "照片模糊",
      face_too_small: "人脸太小", mismatch: "与底照不是同一人", no_base_photo: "没有底照", unsupported: "不支持的图片格式",
    },
    secondCamera: { active: "正常", lost: "已中断" },
    integrityCode: {
      REMOTE_ASSIST_DETECTED: "检测到远程协助工具（FAQ 2）",
      ENV_REMOTE_CONTROL: "远程控制检测 e-01（FAQ 24）",
      ENV_VIRTUAL_DEVICE: "虚拟设备检测 e-02（FAQ 25）",
      CLIENT_TOO_OLD: "考生端版本过低（FAQ 23）",
      ENV_CHECK_MISSING: "登录时未提交环境检测（非考生端登录，如小程序或脚本）",
      "e-01": "考试中远程控制 e-01",
      "e-02": "考试中虚拟设备 e-02",
      camera_black: "摄像头黑屏",
      camera_missing: "没有摄像头",
      focus_lost: "切换出考试窗口",
      fullscreen_exit: "退出全屏",
    },
  };
  C.label = function (group, key) {
    if (key === null || key === undefined || key === "") return "—";
    const table = C.labels[group] || {};
    return table[key] || String(key);
  };

  // ---------------------------------------------------------------- API
  /** Hooks the app sets: what to do when the session is gone, and the admin's school. */
  C.onUnauthenticated = null;
  C.schoolId = null;
  C.user = null;

  C.call = async function (method, path, body) {
    try {
      return await C.api.request(method, path, body);
    } catch (error) {
      if (error instanceof global.ExamCloud.ApiError && error.status === 401 && C.api.token && C.onUnauthenticated) {
        C.onUnauthenticated(error);
      }
      throw error;
    }
  };
  C.get = async (path) => (await C.call("GET", path)).data;
  C.post = async (path, body) => (await C.call("POST", path, body)).data;
  C.put = async (path, body) => (await C.call("PUT", path, body)).data;

  C.query = function (params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") search.set(key, value);
    }
    const text = search.toString();
    return text ? "?" + text : "";
  };

  /** One page of a paginated list: {items, total, page, totalPages}. */
  C.list = async function (path, params) {
    const page = (params && params.page) || 1;
    const pageSize = (params && params.page_size) || C.config.pageSize;
    const response = await C.call("GET", path + C.query(Object.assign({}, params, { page, page_size: pageSize })));
    const items = response.data || [];
    let meta = null;
    try { meta = JSON.parse(response.headers.get("X-Pagination") || "null"); } catch { meta = null; }
    const total = meta && Number.isFinite(meta.total) ? meta.total : items.length;
    const totalPages = meta && meta.total_pages ? meta.total_pages : Math.max(1, Math.ceil(total / pageSize));
    return { items, total, page, totalPages };
  };

  /** Every item of a paginated list (for drop-downs), up to `limit` items. */
  C.listAll = async function (path, params, limit) {
    const all = [];
    const max = limit || 1000;
    for (let page = 1; all.length < max; page += 1) {
      const result = await C.list(path, Object.assign({}, params, { page, page_size: 100 }));
      all.push(...result.items);
      if (page >= result.totalPages || !result.items.length) break;
    }
    return all;
  };

  /** The error as the teacher should read it: the server's message, field details and FAQ. */
  C.errorLines = function (error) {
    if (!error) return [];
    const lines = [];
    const body = error.body || {};
    const details = [];
    const walk = (value, path) => {
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) value.forEach((item) => (typeof item === "object" ? walk(item, path) : details.push([path, item])));
      else if (typeof value === "object") Object.entries(value).forEach(([key, inner]) => walk(inner, path.concat(key)));
      else details.push([path, value]);
    };
    walk(body.errors, []);
    for (const [path, text] of details) {
      const field = path.filter((part) => part !== "json" && part !== "sections").join(".");
      lines.push(field && !/^\d+(\.|$)/.test(field) ? `${FIELD_NAMES[field] || field}：${text}` : String(text));
    }
    if (Array.isArray(body.shortages)) lines.push(...body.shortages);
    if (body.reason && typeof body.reason === "string") lines.push(C.label("faceReason", body.reason));
    return lines;
  };
  const FIELD_NAMES = {
    student_no: "学号", id_number: "证件号", name: "姓名", username: "用户名", password: "密码",
    code: "代码", batch_id: "考试批", course_id: "课程", starts_at: "开始时间", ends_at: "结束时间",
    duration_minutes: "考试时长", stem: "题干", options: "选项", answer: "答案", score: "分值", type: "题型",
    file: "文件", note: "备注", student_ids: "学生",
  };

  C.errorText = function (error) {
    if (!error) return "";
    let text = error.message || "操作失败";
    if (error.faq) text += `（见常见问题 ${error.faq}）`;
    return text;
  };

  /** Shows a message (kind: ok, error, info, warn) in `box`; an error adds its details. */
  C.show = function (box, kind, message, error) {
    if (!box) return;
    box.className = `alert alert-${kind}`;
    const details = error ? C.errorLines(error) : [];
    clear(box, h("div", { class: "alert-title" }, message));
    if (details.length) box.appendChild(h("ul", { class: "alert-details" }, details.map((line) => h("li", null, line))));
    box.hidden = false;
  };
  C.fail = (box, error) => C.show(box, "error", C.errorText(error), error);
  C.hide = function (box) { if (box) { box.hidden = true; clear(box); } };
  C.alertBox = () => h("div", { class: "alert", role: "status", hidden: true });

  /** Runs `action` with the button disabled; errors go to `box`. */
  C.busy = async function (button, box, action) {
    if (button) button.disabled = true;
    try {
      return await action();
    } catch (error) {
      if (box) C.fail(box, error);
      else throw error;
      return undefined;
    } finally {
      if (button) button.disabled = false;
    }
  };

  // ---------------------------------------------------------------- building blocks
  C.viewHead = function (title, subtitle, ...actions) {
    return h("header", { class: "view-head" },
      h("div", null, h("h2", null, title), subtitle ? h("p", { class: "muted" }, subtitle) : null),
      h("div", { class: "view-actions" }, actions));
  };
  C.card = (title, ...children) => h("section", { class: "card" }, title ? h("h3", null, title) : null, children);
  C.field = (label, input, hint) => h("label", { class: "field" }, h("span", { class: "field-label" }, label), input,
    hint ? h("span", { class: "hint" }, hint) : null);
  C.table = function (headers, rows, emptyText) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table" },
      h("thead", null, h("tr", null, headers.map((title) => h("th", null, title)))),
      h("tbody", null, rows.length ? rows : h("tr", { class: "empty" }, h("td", { colspan: headers.length }, emptyText || "暂无数据")))));
  };
  C.badge = (text, kind) => h("span", { class: `badge badge-${kind || "plain"}` }, text);
  C.pager = function (result, onPage) {
    const { page, totalPages, total } = result;
    return h("div", { class: "pager" },
      h("span", { class: "muted" }, `共 ${total} 条 · 第 ${page} / ${totalPages} 页`),
      h("button", { class: "btn btn-small", type: "button", disabled: page <= 1, onclick: () => onPage(page - 1) }, "上一页"),
      h("button", { class: "btn btn-small", type: "button", disabled: page >= totalPages, onclick: () => onPage(page + 1) }, "下一页"));
  };
  /** An <img> only for a real URL (the links are short-lived and a failed load is noise). */
  C.photo = function (url, alt, emptyText) {
    if (!url) return h("div", { class: "photo photo-empty" }, emptyText || "无照片");
    return h("a", { class: "photo", href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt }));
  };
  C.examLabel = function (exam) {
    if (!exam) return "—";
    const batch = exam.batch ? exam.batch.name : `批次 ${exam.batch_id}`;
    const course = exam.course ? `${exam.course.name}（${exam.course.code}）` : `课程 ${exam.course_id}`;
    return `${batch} · ${course}`;
  };
  /** A <select> of options [{value, label}], with an optional placeholder. */
  C.select = function (props, options, placeholder) {
    return h("select", props, placeholder ? h("option", { value: "" }, placeholder) : null,
      options.map((option) => h("option", { value: String(option.value), selected: String(option.value) === String(props && props.value) }, option.label)));
  };
  /** A file chooser in Chinese (the browser's own button speaks the browser's UI language). */
  C.filePicker = function (props) {
    const input = h("input", Object.assign({ type: "file", class: "file-native" }, props));
    const name = h("span", { class: "file-name" }, "未选择文件");
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      name.textContent = file ? file.name : "未选择文件";
    });
    const element = h("label", { class: "file-picker" }, input, h("span", { class: "btn" }, "选择文件"), name);
    return { element, input };
  };
  C.readFile = (input) => (input.files && input.files[0]) || null;
  C.formData = function (file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return form;
  };
  /** Params of the current hash route: #/exams?exam=3 → {exam: "3"}. */
  C.routeParams = function () {
    const hash = global.location.hash || "";
    const index = hash.indexOf("?");
    return Object.fromEntries(new URLSearchParams(index >= 0 ? hash.slice(index + 1) : ""));
  };
  C.go = function (route, params) {
    global.location.hash = "#/" + route + C.query(params);
  };
  /** Admin accounts act for the school chosen in the top bar; teachers for their own. */
  C.withSchool = function (body) {
    if (C.user && C.user.role === "admin" && C.schoolId) return Object.assign({}, body, { school_id: C.schoolId });
    return body;
  };
  C.schoolQuery = function () {
    return C.user && C.user.role === "admin" && C.schoolId ? { school_id: C.schoolId } : {};
  };

  // Hooks for the sidebar's counters (set by app.js).
  C.refreshCounts = function () {};
})(window);

// Teacher console (管理端): login, the sidebar and hash routing (#/students, #/live?exam=3, ...).
(function (global) {
  "use strict";

  const C = global.ExamConsole;
  const { h, clear } = C;
  const USER_KEY = "console-user";
  const STAFF_ROLES = ["teacher", "admin"];
  const ROLE_NAMES = { teacher: "教师", admin: "管理员" };

  const $ = (id) => document.getElementById(id);
  let current = null;  // the view on screen: {name, ctx}
  let countsTimer = null;  // the sidebar's pending counters, refreshed every 30 s

  // ---------------------------------------------------------------- login
  function showLogin(message) {
    stopView();
    $("app-screen").hidden = true;
    $("login-screen").hidden = false;
    const box = $("login-error");
    if (message) {
      box.textContent = message;
      box.hidden = false;
    } else {
      box.hidden = true;
    }
    $("login-username").focus();
  }

  async function login(event) {
    event.preventDefault();
    const button = $("login-submit");
    const box = $("login-error");
    box.hidden = true;
    button.disabled = true;
    button.textContent = "登录中…";
    try {
      C.api.token = null;
      const result = await C.post("/auth/login", {
        username: $("login-username").value.trim(),
        password: $("login-password").value,
      });
      if (!STAFF_ROLES.includes(result.role)) {
        box.textContent = "该账号是考生账号，请使用教师或管理员账号登录管理端";
        box.hidden = false;
        return;
      }
      C.api.token = result.access_token;
      sessionStorage.setItem(USER_KEY, JSON.stringify(result.user));
      $("login-password").value = "";
      await enter(result.user);
    } catch (error) {
      let text = C.errorText(error);
      const details = C.errorLines(error);
      if (details.length) text += "：" + details.join("；");
      box.textContent = text;
      box.hidden = false;
    } finally {
      button.disabled = false;
      button.textContent = "登录";
    }
  }

  function logout() {
    // Ends the session on the server too (the request takes the token before it is dropped).
    if (C.api.token) C.api.post("/auth/logout").catch(() => {});
    C.api.token = null;
    sessionStorage.removeItem(USER_KEY);
    C.user = null;
    showLogin();
  }

  C.onUnauthenticated = function () {
    C.api.token = null;
    sessionStorage.removeItem(USER_KEY);
    C.user = null;
    showLogin("登录已过期，请重新登录");
  };

  // ---------------------------------------------------------------- the app shell
  async function enter(user) {
    C.user = user;
    $("login-screen").hidden = true;
    $("app-screen").hidden = false;
    $("current-user").textContent = `${user.name || user.username}（${ROLE_NAMES[user.role] || user.role}）`;
    if (user.role === "admin") await setUpSchoolPicker();
    if (!global.location.hash || global.location.hash === "#" || global.location.hash === "#/") {
      global.location.replace("#/students");
    }
    route();
    C.refreshCounts();
    if (!countsTimer) countsTimer = setInterval(() => C.refreshCounts(), 30000);
  }

  async function setUpSchoolPicker() {
    const select = $("school-select");
    try {
      const schools = await C.get("/schools");
      clear(select, schools.map((school) => h("option", { value: String(school.id) }, school.name)));
      const saved = sessionStorage.getItem("console-school");
      if (saved && schools.some((school) => String(school.id) === saved)) select.value = saved;
      C.schoolId = select.value ? Number(select.value) : null;
      $("school-picker").hidden = !schools.length;
    } catch {
      $("school-picker").hidden = true;
    }
    select.onchange = () => {
      C.schoolId = Number(select.value);
      sessionStorage.setItem("console-school", select.value);
      route();
    };
  }

  // ---------------------------------------------------------------- routing
  function stopView() {
    if (!current) return;
    current.ctx.alive = false;
    for (const cleanup of current.ctx.cleanups.splice(0)) {
      try { cleanup(); } catch { /* already gone */ }
    }
    current = null;
  }

  function makeContext() {
    const ctx = {
      alive: true,
      cleanups: [],
      onCleanup(fn) { ctx.cleanups.push(fn); },
      /** Calls fn every `ms` until the view changes; never two runs at once. */
      every(ms, fn) {
        let timer = null;
        const tick = async () => {
          if (!ctx.alive) return;
          try { await fn(); } catch { /* the view shows its own errors */ }
          if (ctx.alive) timer = setTimeout(tick, ms);
        };
        timer = setTimeout(tick, ms);
        ctx.onCleanup(() => clearTimeout(timer));
      },
    };
    return ctx;
  }

  function route() {
    if (!C.user) return;
    const hash = (global.location.hash || "").replace(/^#\/?/, "");
    const name = hash.split("?")[0] || "students";
    const view = C.views[name] || C.views.students;
    const viewName = C.views[name] ? name : "students";
    stopView();
    for (const link of document.querySelectorAll(".sidebar a")) {
      link.classList.toggle("active", link.dataset.route === viewName);
    }
    const root = $("view");
    clear(root);
    root.dataset.view = viewName;
    document.title = `${view.title} · 考试云管理端`;
    current = { name: viewName, ctx: makeContext() };
    const ctx = current.ctx;
    Promise.resolve()
      .then(() => view.render(root, C.routeParams(), ctx))
      .catch((error) => {
        if (!ctx.alive) return;
        const box = C.alertBox();
        root.appendChild(box);
        C.fail(box, error);
      });
  }

  // ---------------------------------------------------------------- sidebar counters
  C.refreshCounts = async function () {
    if (!C.user) return;
    const counters = [["photo-requests", "/base-photo-requests"], ["reviews", "/reviews"]];
    for (const [name, path] of counters) {
      const badge = document.querySelector(`[data-count="${name}"]`);
      try {
        const result = await C.list(path, { status: "pending", page_size: 1 });
        badge.textContent = String(result.total);
        badge.hidden = result.total === 0;
      } catch {
        badge.hidden = true;
      }
    }
  };

  // ---------------------------------------------------------------- start
  async function start() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    global.addEventListener("hashchange", route);
    if (!C.api.token) {
      showLogin();
      return;
    }
    try {
      const user = await C.get("/me");
      if (!STAFF_ROLES.includes(user.role)) throw new Error("not staff");
      sessionStorage.setItem(USER_KEY, JSON.stringify(user));
      await enter(user);
    } catch {
      C.api.token = null;
      if ($("login-screen").hidden) showLogin();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(window);

// Login (with the environment check a web page can report), logout, a lost session, and the
// account shown in the top bar.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const { api, webcam, USER_KEY, ACTIVE_KEY, $, showMessage, hideMessage, show, readJson, writeJson } = ExamPage.shared;

  function renderAccount() {
    const user = store.get("user");
    const box = $("account");
    if (!user) { box.hidden = true; return; }
    const number = user.student_no || user.username || "";
    $("account-name").textContent = user.name + (number ? "（" + number + "）" : "");
    box.hidden = false;
  }

  store.subscribe("user", renderAccount);

  function clientVersion() {
    const value = (document.body.dataset.clientVersion || "").trim();
    return value || null;
  }

  async function login(event) {
    event.preventDefault();
    const username = $("login-username").value.trim();
    const password = $("login-password").value;
    const box = $("login-error");
    if (!username || !password) {
      showMessage(box, "请输入用户名（学号或身份证号）和密码", null);
      return;
    }
    hideMessage(box);
    const button = $("login-button");
    button.disabled = true;
    button.textContent = "正在登录…";
    try {
      const data = await api.post("/auth/login", {
        username, password,
        // A web page cannot look for remote-assist tools or virtual devices: it reports none.
        env_check: { codes: [], remote_tools: [], client_version: clientVersion() },
      });
      if (data.role !== "candidate") {
        showMessage(box, "请使用考生账号登录；教师请使用管理端", null);
        return;
      }
      api.token = data.access_token;
      store.set("user", data.user);
      writeJson(sessionStorage, USER_KEY, data.user);
      $("login-password").value = "";
      await ExamPage.exams.show();
    } catch (error) {
      showMessage(box, error.message, error.faq);
    } finally {
      button.disabled = false;
      button.textContent = "登录";
    }
  }

  function logout(message) {
    // A logout the candidate asked for ends the session on the server too (this token stops
    // working at once); the request takes the token before it is forgotten below. A lost
    // session (a message) has nothing left to end.
    if (!message && api.token) api.post("/auth/logout").catch(() => {});
    ExamPage.attempt.close();
    ExamPage.result.stop();
    webcam.stop();
    api.token = null;
    store.set("user", null);
    writeJson(sessionStorage, USER_KEY, null);
    writeJson(sessionStorage, ACTIVE_KEY, null);
    show("login");
    if (message) showMessage($("login-error"), message, null, "info");
    else hideMessage($("login-error"));
  }

  // The server no longer knows this login: back to the login form. True when that happened.
  function sessionLost(error) {
    if (error && (error.status === 401 || /^TOKEN_/.test(error.code || ""))) {
      logout(error.message || "登录已失效，请重新登录");
      return true;
    }
    return false;
  }

  // After a reload: the candidate of this tab, when the token is still here.
  function restore() {
    store.set("user", api.token ? readJson(sessionStorage, USER_KEY) : null);
    return store.get("user");
  }

  ExamPage.session = { login, logout, sessionLost, restore };
})(window);

// The face check before an exam (人脸识别, FAQ 6, 7, 8, 9, 20): the base photo beside the live
// webcam, the camera picker, a capture sent to the server and the wait for its verdict.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const cam = ExamPage.camera;
  const { api, webcam, $, el, showMessage, hideMessage, show } = ExamPage.shared;

  async function showFace(exam, reason) {
    store.set("exam", exam);
    show("face");
    $("face-course").textContent = (exam.course && exam.course.name) || "";
    const result = $("face-result");
    if (reason) showMessage(result, reason.message, reason.faq, "info");
    else hideMessage(result);
    loadBasePhoto();
    await openFaceCamera();
  }

  async function loadBasePhoto() {
    const image = $("base-photo");
    const status = $("base-photo-status");
    image.hidden = true;
    status.hidden = false;
    status.classList.remove("frame-problem");
    status.textContent = "正在获取底照…";
    try {
      const state = await api.get("/me/base-photo");
      const active = state && state.active;
      if (active && active.url) {
        image.onload = () => { status.hidden = true; image.hidden = false; };
        image.onerror = () => { status.textContent = "底照加载失败，请点击“返回待考列表”后重新进入"; };
        image.src = active.url;
      } else {
        const processing = state && state.latest && state.latest.status === "processing";
        status.textContent = processing ? "底照正在处理中，请稍后刷新" : "没有底照，请与学校老师联系";
        status.classList.add("frame-problem");
      }
    } catch (error) {
      if (ExamPage.session.sessionLost(error)) return;
      status.textContent = error.message;
    }
  }

  async function openFaceCamera(deviceId) {
    const status = $("camera-status");
    const video = $("face-video");
    $("face-capture").disabled = true;
    $("camera-retry").hidden = true;
    status.hidden = false;
    status.classList.remove("frame-problem");
    status.textContent = "正在打开摄像头…";
    try {
      if (!webcam.active || (deviceId && deviceId !== webcam.deviceId)) await webcam.start(deviceId);
      cam.attach(video, webcam.stream);
      const ready = await cam.frameReady(video, 8000);
      if (!ready) throw Object.assign(new Error("no frames"), { name: "NotReadableError" });
      status.hidden = true;
      $("face-capture").disabled = false;
      await fillCameraPicker();
    } catch (error) {
      const problem = cam.cameraProblem(error);
      status.textContent = problem.text;
      status.classList.add("frame-problem");
      showMessage($("face-result"), problem.text, problem.faq);
      $("camera-retry").hidden = false;
      await fillCameraPicker().catch(() => {});
    }
  }

  async function fillCameraPicker() {
    const select = $("camera-select");
    let devices = [];
    try { devices = await webcam.devices(); } catch { devices = []; }
    select.replaceChildren();
    devices.forEach((device, index) => {
      const option = el("option", { value: device.deviceId, text: device.label || ("摄像头 " + (index + 1)) });
      if (device.deviceId === webcam.deviceId) option.selected = true;
      select.append(option);
    });
    select.disabled = devices.length < 2 && webcam.active;
    if (!devices.length) select.append(el("option", { value: "", text: "未找到摄像头" }));
  }

  async function captureFace() {
    if (store.get("faceBusy") || !store.get("exam")) return;
    const box = $("face-result");
    const video = $("face-video");
    const button = $("face-capture");
    store.set("faceBusy", true);
    button.disabled = true;
    button.textContent = "识别中…";
    try {
      const blob = await cam.captureJpeg(video, $("capture-canvas"), 0.92);
      if (!blob) {
        const problem = cam.cameraProblem({ name: "NotFoundError" });
        showMessage(box, problem.text, problem.faq);
        return;
      }
      showMessage(box, "正在上传抓拍照片并识别，请保持正对摄像头…", null, "info");
      const form = new FormData();
      form.append("file", blob, "capture.jpg");
      let check;
      try {
        check = await api.post("/exams/" + store.get("exam").exam_id + "/face-checks", form);
      } catch (error) {
        if (ExamPage.session.sessionLost(error)) return;
        if (error.code === "NETWORK_ERROR") {
          showMessage(box, "抓拍照片保存失败：考生的网络环境不好，抓拍的相片不能进行认证，请确认网络情况后重试", 9);
        } else {
          showMessage(box, error.message, error.faq);
        }
        return;
      }
      const outcome = await waitForFaceCheck(check);
      if (!outcome) {
        showMessage(box, "识别超时：考生的网络环境不好或服务器繁忙，请确认网络情况后重试", 9);
        return;
      }
      if (outcome.status === "passed") {
        showMessage(box, outcome.message || "人脸识别通过", null, "ok");
        await ExamPage.exams.start(store.get("exam"), box);
        return;
      }
      showMessage(box, outcome.message || "识别失败，请重试", outcome.faq);
    } finally {
      store.set("faceBusy", false);
      button.textContent = "重新识别";
      button.disabled = !webcam.active;
    }
  }

  async function waitForFaceCheck(check) {
    const until = Date.now() + 90000;
    let current = check;
    while (current.status === "queued" && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 800));
      if (store.get("view") !== "face") return null;
      try {
        current = await api.get("/face-checks/" + check.id);
      } catch (error) {
        if (error.code !== "NETWORK_ERROR" && error.status < 500) throw error;
      }
    }
    return current.status === "queued" ? null : current;
  }

  ExamPage.face = { show: showFace, openCamera: openFaceCamera, capture: captureFace };
})(window);

// The webcam during the exam (监考摄像头, FAQ 3, 18): the monitor beside the question, a snapshot
// sent every few seconds (<body data-snapshot-seconds>, ?snapshot_seconds= overrides), and an
// integrity event when the camera is missing or shows black.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage;
  const store = ExamPage.store;
  const cam = ExamPage.camera;
  const { api, webcam, $, guard } = ExamPage.shared;
  const BLACK_LUMINANCE = 12;

  function snapshotSeconds() {
    const query = new URLSearchParams(global.location.search);
    const value = Number(query.get("snapshot_seconds") || query.get("snapshot") || document.body.dataset.snapshotSeconds || 60);
    return Number.isFinite(value) && value >= 1 ? value : 60;
  }

  function setMonitorStatus(text, problem) {
    const status = $("monitor-status");
    status.textContent = text;
    status.classList.toggle("frame-problem", Boolean(problem));
  }

  const sameAttempt = (attemptId) => store.get("attempt") && store.get("attempt").id === attemptId;

  async function startMonitor() {
    const attemptId = store.get("attempt").id;
    const video = $("monitor-video");
    try {
      if (!webcam.active) await webcam.start(webcam.deviceId || undefined);
      cam.attach(video, webcam.stream);
      setMonitorStatus("摄像头正常");
    } catch (error) {
      const problem = cam.cameraProblem(error);
      setMonitorStatus(problem.text, true);
      report("camera_missing", { reason: error && error.name ? String(error.name) : "unknown" });
    }
    if (!sameAttempt(attemptId)) return;
    ExamPage.attempt.every(snapshotSeconds() * 1000, guard(snapshotTick));
  }

  // An integrity event, once per code and attempt.
  async function report(code, detail) {
    const attempt = store.get("attempt");
    const reported = store.get("reported");
    if (!attempt || reported.has(code) || !navigator.onLine) return;
    reported.add(code);
    try {
      await api.post("/attempts/" + attempt.id + "/integrity-events", { code, detail: detail || {} });
    } catch (error) {
      store.get("reported").delete(code);  // try again next time
      ExamPage.attempt.problem(error);
    }
  }

  async function snapshotTick() {
    if (!store.get("attempt") || store.get("locked") || store.get("submitting") || store.get("snapshotBusy")
      || !navigator.onLine) return;
    const attemptId = store.get("attempt").id;
    const video = $("monitor-video");
    store.set("snapshotBusy", true);
    try {
      if (!webcam.active) {
        try {
          await webcam.start(webcam.deviceId || undefined);
          cam.attach(video, webcam.stream);
        } catch (error) {
          setMonitorStatus(cam.cameraProblem(error).text, true);
          await report("camera_missing", { reason: error && error.name ? String(error.name) : "unknown" });
          return;
        }
      }
      if (!(await cam.frameReady(video, 5000))) {
        setMonitorStatus("摄像头没有画面：请确定电脑有摄像头，并且摄像头是可用的状态", true);
        await report("camera_missing", { reason: "no_frames" });
        return;
      }
      const luminance = cam.meanLuminance(video);
      if (luminance !== null && luminance < BLACK_LUMINANCE) {
        setMonitorStatus("摄像头画面是黑的：请关掉电脑的杀毒软件，或将考试系统列入白名单，并确认摄像头未被遮挡", true);
        await report("camera_black", { luminance: luminance.toFixed(1) });
      }
      const blob = await cam.captureJpeg(video, document.createElement("canvas"), 0.85);
      if (!blob || !sameAttempt(attemptId)) return;
      const form = new FormData();
      form.append("file", blob, "snapshot.jpg");
      await api.post("/attempts/" + attemptId + "/snapshots", form);
      const sent = store.get("snapshotsSent") + 1;
      store.set("snapshotsSent", sent);
      document.body.dataset.snapshots = String(sent);
      if (luminance === null || luminance >= BLACK_LUMINANCE) setMonitorStatus("摄像头正常");
    } catch (error) {
      if (error instanceof global.ExamCloud.ApiError) ExamPage.attempt.problem(error);
    } finally {
      store.set("snapshotBusy", false);
    }
  }

  ExamPage.monitor = { start: startMonitor, setStatus: setMonitorStatus };
})(window);

// The webcam: the front camera by default (FAQ 20), a picker for the others, frames as JPEG.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage = global.ExamPage || {};
  const SIZE = { width: { ideal: 640 }, height: { ideal: 480 } };

  // Why the camera could not be opened, in the FAQ's words.
  function cameraProblem(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return { text: "没有摄像头权限：请在浏览器中允许本网站使用摄像头，然后点击“重新打开摄像头”。", faq: 6 };
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return {
        text: "摄像头无法打开：由于考试过程中要调用摄像头，大多数杀毒软件会禁止摄像头运行，所以在进入考试前，"
          + "关掉电脑的杀毒软件，或将考试系统列入白名单；也请关闭正在使用摄像头的其它程序。",
        faq: 3,
      };
    }
    return { text: "没有检测到摄像头：请确定电脑有摄像头，并且摄像头是可用的状态。", faq: 6 };
  }

  class Camera {
    constructor() {
      this.stream = null;
      this.deviceId = "";
      this.listeners = new Set();
    }

    get active() {
      return Boolean(this.stream) && this.stream.getVideoTracks().some((track) => track.readyState === "live");
    }

    onChange(listener) { this.listeners.add(listener); return () => this.listeners.delete(listener); }

    _emit() { this.listeners.forEach((listener) => { try { listener(this.stream); } catch { /* display */ } }); }

    async start(deviceId) {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        const error = new Error("no mediaDevices");
        error.name = "NotFoundError";
        throw error;
      }
      const video = deviceId ? Object.assign({ deviceId: { exact: deviceId } }, SIZE)
        : Object.assign({ facingMode: "user" }, SIZE);
      const stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
      this.stop(true);
      this.stream = stream;
      const track = stream.getVideoTracks()[0];
      const settings = track && track.getSettings ? track.getSettings() : {};
      this.deviceId = settings.deviceId || deviceId || "";
      if (track) track.addEventListener("ended", () => this._emit());
      this._emit();
      return stream;
    }

    stop(quiet) {
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
      if (!quiet) this._emit();
    }

    async devices() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
      const all = await navigator.mediaDevices.enumerateDevices();
      return all.filter((device) => device.kind === "videoinput");
    }
  }

  function attach(video, stream) {
    if (video.srcObject !== stream) video.srcObject = stream;
    video.muted = true;
    if (!stream) return;
    const playing = video.play();
    if (playing && playing.catch) playing.catch(() => { /* paused by navigation: nothing to do */ });
  }

  // Resolves true once the video shows frames (false after timeoutMs).
  function frameReady(video, timeoutMs) {
    if (video.readyState >= 2 && video.videoWidth > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timer);
        video.removeEventListener("loadeddata", check);
        video.removeEventListener("playing", check);
        resolve(value);
      };
      const check = () => { if (video.videoWidth > 0) done(true); };
      const timer = setTimeout(() => done(video.videoWidth > 0), timeoutMs);
      video.addEventListener("loadeddata", check);
      video.addEventListener("playing", check);
    });
  }

  // The current frame as a JPEG blob (null when there is no frame).
  function captureJpeg(video, canvas, quality) {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return Promise.resolve(null);
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(video, 0, 0, width, height);
    return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), "image/jpeg", quality || 0.9));
  }

  // Mean luma (0-255) of the current frame, on a small copy; null without a frame.
  function meanLuminance(video) {
    if (!video.videoWidth) return null;
    const canvas = document.createElement("canvas");
    canvas.width = 32;
    canvas.height = 24;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 4) sum += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    return sum / (pixels.length / 4);
  }

  ExamPage.Camera = Camera;
  ExamPage.camera = { attach, frameReady, captureJpeg, meanLuminance, cameraProblem };
})(window);

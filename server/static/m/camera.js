// The phone as the second camera (双机位, FAQ 22): the back camera's newest frame as a JPEG every
// few seconds (the mini program's interval) to the snapshots endpoint. Never a backlog: while a
// frame is still on its way, the next tick is skipped, and frames missed offline are not sent
// later. When the camera stops (another app took it, the tab slept) it is opened again.
(function (global) {
  "use strict";

  const LONG_EDGE = 1280;
  const REOPEN_MS = 2000;
  const REOPEN_TRIES = 5;
  const FATAL = new Set(["PAIRING_ENDED", "ATTEMPT_SUBMITTED", "PAIRING_NOT_FOUND",
    "PAIRING_WRONG_PURPOSE", "TOKEN_MISSING", "TOKEN_INVALID", "TOKEN_EXPIRED", "SESSION_ENDED"]);

  class SecondCamera {
    // onStatus(state, text); onSent(count); onFatal(body).
    constructor({ token, pairingId, intervalMs, video, onStatus, onSent, onFatal }) {
      Object.assign(this, { token, pairingId, intervalMs, video, onStatus, onSent, onFatal });
      this.stream = null;
      this.timer = null;
      this.sending = false;
      this.sent = 0;
      this.tries = 0;
      this.stopped = false;
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible" && !this.stopped && !this.live()) this.start();
      });
    }

    live() {
      return Boolean(this.stream && this.stream.getVideoTracks().some((track) => track.readyState === "live"));
    }

    async start() {
      this.release();
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        this.onStatus("failed", "此浏览器无法打开摄像头：第二机位需要通过 https 地址访问，请改用微信扫一扫或联系老师");
        return false;
      }
      this.onStatus("starting", "正在打开摄像头…");
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
      } catch (error) {
        const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        this.onStatus("failed", denied
          ? "没有摄像头权限：请在浏览器设置中允许本网页使用摄像头，然后点“重新打开摄像头”"
          : "无法打开摄像头（可能被其他应用占用），请关闭其他使用摄像头的应用后重试");
        return false;
      }
      if (this.stopped) { this.release(); return false; }
      for (const track of this.stream.getVideoTracks()) track.addEventListener("ended", () => this.recover());
      this.video.srcObject = this.stream;
      try { await this.video.play(); } catch { /* autoplay of a muted video is allowed; frames still arrive */ }
      this.tries = 0;
      this.onStatus("live", "摄像头已打开，每 " + Math.round(this.intervalMs / 1000) + " 秒发送一张画面");
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      setTimeout(() => this.tick(), 500);
      return true;
    }

    async recover() {
      if (this.stopped) return;
      this.release();
      if (this.tries >= REOPEN_TRIES) {
        this.onStatus("failed", "摄像头已断开，请点“重新打开摄像头”");
        return;
      }
      this.tries += 1;
      this.onStatus("starting", "摄像头已断开，正在重新打开…");
      setTimeout(() => { if (!this.stopped) this.start(); }, REOPEN_MS);
    }

    frame() {
      const video = this.video;
      if (!video.videoWidth || !video.videoHeight) return Promise.resolve(null);
      const scale = Math.min(1, LONG_EDGE / Math.max(video.videoWidth, video.videoHeight));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.7));
    }

    async tick() {
      if (this.sending || this.stopped) return;  // the newest frame only, never a backlog
      if (!this.live()) { this.recover(); return; }
      if (!navigator.onLine) {
        this.onStatus("offline", "网络已断开：恢复后自动继续发送画面");
        return;
      }
      this.sending = true;
      try {
        const blob = await this.frame();
        if (!blob) return;
        const form = new FormData();
        form.append("file", blob, "frame.jpg");
        let response;
        try {
          response = await fetch("/api/v1/pairings/" + this.pairingId + "/snapshots",
            { method: "POST", headers: { Authorization: "Bearer " + this.token }, body: form });
        } catch {
          this.onStatus("offline", "网络异常：画面暂未发送，恢复后自动继续");
          return;
        }
        if (response.status === 202) {
          this.sent += 1;
          this.onSent(this.sent);
          this.onStatus("live", "画面发送正常（每 " + Math.round(this.intervalMs / 1000) + " 秒一张）");
          return;
        }
        let body = null;
        try { body = await response.json(); } catch { body = null; }
        if (body && (FATAL.has(body.code) || response.status === 401)) {
          this.stop();
          this.onFatal(body);
          return;
        }
        this.onStatus("problem", (body && body.message) || "画面发送失败，稍后自动重试");
      } finally {
        this.sending = false;
      }
    }

    release() {
      clearInterval(this.timer);
      this.timer = null;
      if (this.stream) for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
      if (this.video) this.video.srcObject = null;
    }

    stop() {
      this.stopped = true;
      this.release();
    }
  }

  global.WebCompanion = Object.assign(global.WebCompanion || {}, { SecondCamera });
})(window);

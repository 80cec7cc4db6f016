// Sends the queued answer photos of one pairing, one at a time, with a progress bar each.
// Network errors, 5xx and 429 are retried (429 after its Retry-After; the others with
// exponential backoff and jitter, and at once when the phone is back online); any other
// answer is final and shown with the server's Chinese message. A photo leaves IndexedDB only
// once the server answered 202 (the same upload_id sent again is never stored twice).
(function (global) {
  "use strict";

  const WebCompanion = global.WebCompanion;
  const MAX_BACKOFF_MS = 60000;
  // Answers after which nothing more can be sent for this pairing: the page says why.
  const FATAL = new Set(["PAIRING_ENDED", "ATTEMPT_SUBMITTED", "PAIRING_NOT_FOUND",
    "TOKEN_MISSING", "TOKEN_INVALID", "TOKEN_EXPIRED", "SESSION_ENDED"]);

  function newUploadId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function post(url, token, form, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Authorization", "Bearer " + token);
      xhr.timeout = 180000;
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { body = null; }
        resolve({ status: xhr.status, body, retryAfter: Number(xhr.getResponseHeader("Retry-After")) });
      };
      xhr.onerror = xhr.ontimeout = () => resolve({ status: 0, body: null });
      xhr.onabort = () => resolve({ status: -1, body: null });
      xhr.send(form);
      post.current = xhr;
    });
  }

  class Uploader {
    // onChange(item): an item's status or progress changed (item.removed: it is gone);
    // onFatal(body): the pairing cannot take uploads any more.
    constructor({ token, pairingId, onChange, onFatal }) {
      Object.assign(this, { token, pairingId, onChange, onFatal });
      this.items = new Map();
      this.running = false;
      this.stopped = false;
      this.timer = null;
      this.current = null;
      global.addEventListener("online", () => this.retryWaiting());
    }

    async load() {
      for (const item of await WebCompanion.queue.forPairing(this.pairingId)) {
        // A tab killed mid-upload left "uploading": it was not acknowledged, send it again.
        if (item.status !== "failed") item.status = "pending";
        item.attempts = 0;
        item.progress = 0;
        this.items.set(item.upload_id, item);
        this.onChange(item);
      }
      this.kick();
    }

    async add(file) {
      const item = { upload_id: newUploadId(), pairing_id: this.pairingId, name: file.name || "photo.jpg",
        status: "compressing", progress: 0, attempts: 0, created: Date.now(), blob: file };
      this.items.set(item.upload_id, item);
      this.onChange(item);
      const result = await WebCompanion.compress(file);
      item.blob = result.blob;
      item.compressed = result.compressed;
      item.status = "pending";
      await WebCompanion.queue.put(this.stored(item));
      if (!this.items.has(item.upload_id)) { await WebCompanion.queue.remove(item.upload_id); return; }
      this.onChange(item);
      this.kick();
    }

    stored(item) {
      const { upload_id, pairing_id, name, status, message, created, blob, compressed } = item;
      return { upload_id, pairing_id, name, status, message, created, blob, compressed };
    }

    async set(item, changes) {
      Object.assign(item, changes);
      this.onChange(item);
      if (item.status !== "done" && this.items.has(item.upload_id)) {
        await WebCompanion.queue.update(item.upload_id,
          { status: item.status === "uploading" ? "pending" : item.status, message: item.message || "" });
      }
    }

    next() {
      const now = Date.now();
      for (const item of this.items.values()) {
        if (item.status === "pending" || (item.status === "waiting" && item.notBefore <= now)) return item;
      }
      return null;
    }

    kick() {
      if (this.running || this.stopped) return;
      clearTimeout(this.timer);
      this.running = true;
      this.loop().finally(() => { this.running = false; this.schedule(); });
    }

    schedule() {
      if (this.stopped) return;
      const waits = [...this.items.values()].filter((item) => item.status === "waiting").map((item) => item.notBefore).filter(Number.isFinite);  // offline ones wait for the online event
      if (waits.some((at) => at <= Date.now())) { this.kick(); return; }
      if (waits.length) this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(...waits) - Date.now()));
    }

    async loop() {
      let item;
      while (!this.stopped && (item = this.next())) {
        if (!navigator.onLine) {
          for (const waiting of this.items.values()) {
            if (waiting.status === "pending" || waiting.status === "waiting") {
              await this.set(waiting, { status: "waiting", offline: true, notBefore: Infinity });
            }
          }
          return;  // the online event starts again
        }
        await this.send(item);
      }
    }

    async send(item) {
      await this.set(item, { status: "uploading", progress: 0, offline: false, message: "" });
      const form = new FormData();
      form.append("upload_id", item.upload_id);
      form.append("file", item.blob, item.name.replace(/\.[^.]*$/, "") + ".jpg");
      this.current = item;
      const answer = await post("/api/v1/pairings/" + this.pairingId + "/photos", this.token, form,
        (fraction) => { item.progress = fraction; this.onChange(item); });
      this.current = null;
      if (answer.status === -1 || !this.items.has(item.upload_id)) return;  // deleted meanwhile
      if (answer.status === 202) {
        await WebCompanion.queue.remove(item.upload_id);
        await this.set(item, { status: "done", progress: 1, photo: answer.body });
        item.blob = null;
        return;
      }
      const retryable = answer.status === 0 || answer.status >= 500 || answer.status === 429;
      if (retryable) {
        item.attempts += 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** item.attempts) * (0.5 + Math.random());
        const delay = answer.status === 429 && answer.retryAfter > 0 ? answer.retryAfter * 1000 : backoff;
        await this.set(item, { status: "waiting", offline: answer.status === 0, notBefore: Date.now() + delay,
          message: answer.body && answer.body.message ? answer.body.message : "" });
        return;
      }
      const body = answer.body || { message: "上传失败（" + answer.status + "），请重试" };
      await this.set(item, { status: "failed", message: body.message, code: body.code });
      if (FATAL.has(body.code) || answer.status === 401) {
        this.stop();
        this.onFatal(body);
      }
    }

    retryWaiting() {
      for (const item of this.items.values()) {
        if (item.status === "waiting") { item.notBefore = 0; item.offline = false; }
      }
      this.kick();
    }

    async retryAll() {
      for (const item of this.items.values()) {
        if (item.status === "failed" || item.status === "waiting") {
          await this.set(item, { status: "pending", attempts: 0, message: "" });
        }
      }
      this.kick();
    }

    async remove(uploadId) {
      const item = this.items.get(uploadId);
      this.items.delete(uploadId);
      if (this.current === item && post.current) post.current.abort();
      await WebCompanion.queue.remove(uploadId);
      if (item) { item.removed = true; this.onChange(item); }
    }

    waitingCount() {
      return [...this.items.values()].filter((item) => item.status !== "done").length;
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
    }
  }

  global.WebCompanion = Object.assign(global.WebCompanion || {}, { Uploader });
})(window);

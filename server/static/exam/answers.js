// Autosave with an offline queue. Every change of question n gets the next client_seq of that
// question and is written to localStorage first (per attempt, so a reload or a lost network keeps
// it); it is sent after a short pause, at once on navigation, and — while offline — when the
// network returns ("online" event, plus a retry timer). The server keeps the highest client_seq,
// so sending an answer twice, or late, is harmless.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage = global.ExamPage || {};
  const RETRY_MS = 3000;
  // Errors after which saving on this computer must stop.
  const FATAL = ["ATTEMPT_MOVED", "ATTEMPT_SUBMITTED", "DEADLINE_PASSED", "TOKEN_EXPIRED", "TOKEN_INVALID",
    "TOKEN_MISSING", "NOT_FOUND"];

  class AnswerQueue {
    constructor(api, attemptId, options) {
      options = options || {};
      this.api = api;
      this.attemptId = attemptId;
      this.debounceMs = options.debounceMs || 800;
      this.onChange = options.onChange || function () {};
      this.onFatal = options.onFatal || function () {};
      this.onRejected = options.onRejected || function () {};
      this.key = "examcloud.answers." + attemptId;
      const stored = this._read();
      this.seq = stored.seq || {};         // n -> the last client_seq given out
      this.pending = stored.pending || {}; // n -> {answer, seq} not yet acknowledged by the server
      this.timers = {};
      this.inFlight = {};
      this.again = {};
      this.stopped = false;
      this.networkDown = false;  // the last request failed although the browser claims to be online
      this.serverTrouble = false;
      this._online = () => { this.networkDown = false; this.flushAll(); };
      this._offline = () => this._changed();
      global.addEventListener("online", this._online);
      global.addEventListener("offline", this._offline);
      this.retryTimer = setInterval(() => {
        if (this.hasPending() && navigator.onLine) this.flushAll();
      }, RETRY_MS);
    }

    _read() {
      try { return JSON.parse(localStorage.getItem(this.key) || "{}") || {}; } catch { return {}; }
    }

    _persist() {
      try {
        localStorage.setItem(this.key, JSON.stringify({ seq: this.seq, pending: this.pending }));
      } catch { /* storage full or blocked: the queue still lives in memory */ }
    }

    _changed() {
      try { this.onChange(this.status()); } catch { /* display only */ }
    }

    // What the server told us it has for question n (from the question view).
    noteServer(n, savedSeq) {
      if (typeof savedSeq === "number" && savedSeq > (this.seq[n] || 0)) {
        this.seq[n] = savedSeq;
        this._persist();
      }
    }

    has(n) { return Object.prototype.hasOwnProperty.call(this.pending, n); }
    localAnswer(n) { return this.has(n) ? this.pending[n].answer : undefined; }
    hasPending() { return Object.keys(this.pending).length > 0; }
    isUnsaved(n) { return this.has(n) || Boolean(this.inFlight[n]); }

    // The candidate changed question n's answer.
    set(n, answer) {
      if (this.stopped) return;
      const seq = (this.seq[n] || 0) + 1;
      this.seq[n] = seq;
      this.pending[n] = { answer: answer === undefined ? null : answer, seq };
      this._persist();
      clearTimeout(this.timers[n]);
      this.timers[n] = setTimeout(() => { delete this.timers[n]; this.flush(n); }, this.debounceMs);
      this._changed();
    }

    // Send question n now (leaving the question, submitting).
    flushNow(n) {
      clearTimeout(this.timers[n]);
      delete this.timers[n];
      return this.flush(n);
    }

    flushAll() {
      return Promise.all(Object.keys(this.pending).map((n) => this.flushNow(Number(n))));
    }

    flush(n) {
      if (this.stopped || !this.has(n)) { this._changed(); return Promise.resolve(); }
      if (!navigator.onLine) { this._changed(); return Promise.resolve(); }
      if (this.inFlight[n]) { this.again[n] = true; return this.inFlight[n]; }
      const item = this.pending[n];
      const request = this._send(n, item).finally(() => {
        delete this.inFlight[n];
        const repeat = this.again[n];
        delete this.again[n];
        this._changed();
        if (repeat && !this.stopped && this.has(n) && !this.networkDown) this.flush(n);
      });
      this.inFlight[n] = request;
      this._changed();
      return request;
    }

    async _send(n, item) {
      try {
        const saved = await this.api.put("/attempts/" + this.attemptId + "/answers/" + n,
          { answer: item.answer, client_seq: item.seq });
        this.networkDown = false;
        this.serverTrouble = false;
        const savedSeq = saved && typeof saved.saved_seq === "number" ? saved.saved_seq : item.seq;
        if (savedSeq > item.seq && this.pending[n] === item) {
          // The server already holds a later answer (written under a higher seq): ours must
          // outrank it, as this computer is the one answering now.
          this.seq[n] = Math.max(this.seq[n] || 0, savedSeq);
          item.seq = this.seq[n] + 1;
          this.seq[n] = item.seq;
          this.again[n] = true;
        } else if (this.pending[n] && this.pending[n].seq <= item.seq) {
          delete this.pending[n];
        }
        this._persist();
      } catch (error) {
        if (error.code === "NETWORK_ERROR") {
          this.networkDown = true;
        } else if (FATAL.indexOf(error.code) >= 0 || error.status === 401) {
          this.stop();
          this.onFatal(error);
        } else if (error.status >= 500 || error.status === 429 || error.status === 408) {
          this.serverTrouble = true;  // the retry timer sends it again
        } else {
          // The server cannot take this answer (e.g. 422): keeping it would retry forever.
          if (this.pending[n] === item) delete this.pending[n];
          this._persist();
          this.onRejected(n, error);
        }
      }
    }

    status() {
      if (this.stopped) return "stopped";
      if (!navigator.onLine || this.networkDown) return "offline";
      if (this.serverTrouble && this.hasPending()) return "retrying";
      if (this.hasPending() || Object.keys(this.inFlight).length) return "saving";
      return "saved";
    }

    stop() {
      this.stopped = true;
      Object.keys(this.timers).forEach((n) => clearTimeout(this.timers[n]));
      this.timers = {};
      clearInterval(this.retryTimer);
      global.removeEventListener("online", this._online);
      global.removeEventListener("offline", this._offline);
      this._changed();
    }

    // After a submit: nothing of this attempt needs to stay on this computer.
    forget() {
      this.stop();
      try { localStorage.removeItem(this.key); } catch { /* nothing to do */ }
    }
  }

  ExamPage.AnswerQueue = AnswerQueue;
})(window);

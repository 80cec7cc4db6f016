// The attempt's live events. EventSource cannot send the Authorization header, so the stream is
// read with fetch() and parsed here (the text/event-stream format of the HTML standard); after two
// failed streams in a row it falls back to polling the JSON page (?after=<last id>) every 3 s and
// tries streaming again now and then.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage = global.ExamPage || {};

  // Incremental parser: feed it decoded text in whatever chunks arrive.
  class SseParser {
    constructor(onEvent, onRetry, onComment) {
      this.onEvent = onEvent;
      this.onRetry = onRetry || function () {};
      this.onComment = onComment || function () {};
      this.buffer = "";
      this.skipLineFeed = false;  // a chunk ended in "\r": a "\n" starting the next one belongs to it
      this.data = [];
      this.type = "";
      this.lastEventId = "";
    }

    push(text) {
      let buffer = this.buffer + text;
      if (this.skipLineFeed && buffer.charAt(0) === "\n") buffer = buffer.slice(1);
      this.skipLineFeed = false;
      let start = 0;
      for (let i = 0; i < buffer.length; i += 1) {
        const c = buffer.charAt(i);
        if (c !== "\n" && c !== "\r") continue;
        const line = buffer.slice(start, i);
        if (c === "\r") {
          if (i + 1 === buffer.length) this.skipLineFeed = true;
          else if (buffer.charAt(i + 1) === "\n") i += 1;
        }
        start = i + 1;
        this.line(line);
      }
      this.buffer = buffer.slice(start);
    }

    line(line) {
      if (line === "") { this.dispatch(); return; }
      if (line.charAt(0) === ":") { this.onComment(line.slice(1)); return; }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.charAt(0) === " ") value = value.slice(1);
      if (field === "event") this.type = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id") { if (value.indexOf("\0") < 0) this.lastEventId = value; }
      else if (field === "retry") { if (/^\d+$/.test(value)) this.onRetry(parseInt(value, 10)); }
    }

    dispatch() {
      if (!this.data.length) { this.type = ""; return; }
      const event = { id: this.lastEventId, type: this.type || "message", data: this.data.join("\n") };
      this.data = [];
      this.type = "";
      this.onEvent(event);
    }
  }

  const POLL_MS = 3000;
  const STREAM_FAILURES_BEFORE_POLLING = 2;
  const RETRY_STREAM_AFTER_MS = 60000;   // while polling, try the stream again this often
  // The server sends a comment at least every EVENT_KEEPALIVE_SECONDS (15 s by default, 60 s at
  // most); a stream silent for longer is dead or held back by a buffering proxy.
  const SILENCE_LIMIT_MS = 65000;

  // Events of one attempt. handler({id, type, data}) gets each event once (data parsed from JSON);
  // onFatal(error) when the server refuses us for good (token expired, attempt not ours).
  class EventFeed {
    constructor(api, attemptId, options) {
      this.api = api;
      this.attemptId = attemptId;
      this.handler = options.onEvent;
      this.onFatal = options.onFatal || function () {};
      this.onMode = options.onMode || function () {};
      this.storageKey = "examcloud.events." + attemptId;
      this.lastId = this._load();
      this.seen = new Set();
      this.failures = 0;
      this.retryMs = 2000;
      this.mode = "idle";
      this.stopped = true;
      this.controller = null;
      this.timer = null;
      this.watchdog = null;
      this.pollingSince = 0;
      this._online = () => this._resume();
      this._offline = () => this._pause();
    }

    start() {
      if (!this.stopped) return;
      this.stopped = false;
      global.addEventListener("online", this._online);
      global.addEventListener("offline", this._offline);
      this._connect();
    }

    stop() {
      this.stopped = true;
      global.removeEventListener("online", this._online);
      global.removeEventListener("offline", this._offline);
      this._clearTimers();
      this._abort();
      this._setMode("stopped");
    }

    _setMode(mode) {
      if (this.mode !== mode) { this.mode = mode; this.onMode(mode); }
    }

    _clearTimers() {
      clearTimeout(this.timer);
      clearTimeout(this.watchdog);
      this.timer = null;
      this.watchdog = null;
    }

    _abort() {
      if (this.controller) {
        const controller = this.controller;
        this.controller = null;
        controller.abort();
      }
    }

    _pause() {
      // Offline: drop the connection ourselves; the "online" event resumes where we left off.
      this._clearTimers();
      this._abort();
      this._setMode("offline");
    }

    _resume() {
      if (this.stopped) return;
      this._clearTimers();
      this._abort();
      if (this.failures >= STREAM_FAILURES_BEFORE_POLLING) this._poll();
      else this._connect();
    }

    _load() {
      try { return localStorage.getItem(this.storageKey) || ""; } catch { return ""; }
    }

    _remember(id) {
      if (!id) return;
      this.lastId = id;
      try { localStorage.setItem(this.storageKey, id); } catch { /* storage full: keep it in memory */ }
    }

    _deliver(event) {
      if (event.id) {
        if (this.seen.has(event.id)) return;
        this.seen.add(event.id);
        if (this.seen.size > 2000) this.seen = new Set(Array.from(this.seen).slice(-1000));
      }
      this._remember(event.id);
      try { this.handler(event); } catch { /* a rendering problem must not end the feed */ }
    }

    _schedule(fn, ms) {
      clearTimeout(this.timer);
      this.timer = setTimeout(fn, ms);
    }

    _kick() {
      // Bytes arrived: the connection is alive.
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => {
        this.failures += 1;
        this._abort();
        this._afterStream(false);
      }, SILENCE_LIMIT_MS);
    }

    async _connect() {
      if (this.stopped) return;
      if (!navigator.onLine) { this._setMode("offline"); return; }
      this._abort();
      const controller = new AbortController();
      this.controller = controller;
      this._setMode("connecting");
      let received = false;
      let fatal = null;
      try {
        const headers = { Accept: "text/event-stream" };
        if (this.api.token) headers.Authorization = "Bearer " + this.api.token;
        if (this.lastId) headers["Last-Event-ID"] = this.lastId;
        const response = await fetch("/api/v1/attempts/" + this.attemptId + "/events",
          { headers, cache: "no-store", signal: controller.signal });
        if (!response.ok) {
          let body = null;
          try { body = await response.json(); } catch { body = null; }
          if ([401, 403, 404].indexOf(response.status) >= 0) fatal = new global.ExamCloud.ApiError(response.status, body);
          throw new Error("stream refused: " + response.status);
        }
        const type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/event-stream") !== 0 || !response.body) throw new Error("not a stream");
        this._setMode("stream");
        const reader = response.body.getReader();
        const decoder = new TextDecoder("utf-8");
        const parser = new SseParser(
          (raw) => {
            let data = {};
            try { data = raw.data ? JSON.parse(raw.data) : {}; } catch { data = { text: raw.data }; }
            this._deliver({ id: raw.id, type: raw.type, data });
          },
          (ms) => { this.retryMs = Math.min(Math.max(ms, 500), 30000); },
        );
        this._kick();
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          if (!received) { received = true; this.failures = 0; }
          this._kick();
          parser.push(decoder.decode(chunk.value, { stream: true }));
        }
        parser.push(decoder.decode());
      } catch {
        if (controller.signal.aborted) return;  // we closed it (offline, stop, watchdog)
      }
      if (this.controller !== controller) return;
      this.controller = null;
      clearTimeout(this.watchdog);
      if (fatal) { this.stop(); this.onFatal(fatal); return; }
      // A stream that never delivered a byte is a failure, unless the network was simply gone.
      if (!received && navigator.onLine) this.failures += 1;
      this._afterStream(received);
    }

    _afterStream(received) {
      if (this.stopped) return;
      if (!navigator.onLine) { this._setMode("offline"); return; }
      if (this.failures >= STREAM_FAILURES_BEFORE_POLLING) {
        this.pollingSince = Date.now();
        this._poll();
        return;
      }
      this._setMode("reconnecting");
      // After a working stream: the server's retry; after a failed attempt: a short pause.
      this._schedule(() => this._connect(), received ? this.retryMs : Math.min(1000 * this.failures, 10000));
    }

    async _poll() {
      if (this.stopped) return;
      if (!this.pollingSince) this.pollingSince = Date.now();
      this._setMode("polling");
      if (navigator.onLine) {
        try {
          const page = await this.api.get("/attempts/" + this.attemptId + "/events?after="
            + encodeURIComponent(this.lastId || "0"));
          (page && page.events || []).forEach((event) => this._deliver({
            id: event.id, type: event.type, data: event.data || {} }));
        } catch (error) {
          if (error.status === 401 || error.status === 403 || error.status === 404) {
            this.stop();
            this.onFatal(error);
            return;
          }
          // NETWORK_ERROR and server trouble: try again on the next tick
        }
      }
      if (this.stopped) return;
      if (Date.now() - this.pollingSince >= RETRY_STREAM_AFTER_MS && navigator.onLine) {
        // Give the stream another chance; one more failure brings us back here.
        this.failures = STREAM_FAILURES_BEFORE_POLLING - 1;
        this.pollingSince = 0;
        this._connect();
        return;
      }
      this._schedule(() => this._poll(), POLL_MS);
    }
  }

  ExamPage.SseParser = SseParser;
  ExamPage.EventFeed = EventFeed;
})(window);

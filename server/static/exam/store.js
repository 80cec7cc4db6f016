// The desktop exam page's state, in one place. Modules read it with get(key), replace a value with
// set(key, value) (or set({key: value, ...})) and react to a change with subscribe(key, listener).
// Collections (the Maps and Sets, the timer list) and the attempt record are changed in place by
// the module that owns them; set() is for replacing a value. An unknown key is an error, so a typo
// fails loudly instead of creating a second copy of some state.
(function (global) {
  "use strict";

  const ExamPage = global.ExamPage = global.ExamPage || {};

  const state = {
    view: null,           // the view on screen: login, exams, face, exam, result (shared.js)
    user: null,           // the logged-in candidate (session.js)
    clock: { offset: 0, known: false },  // server time minus this PC's time (clock.js)
    exams: [],            // the exam list (exams.js)
    exam: null,           // the exam being entered or answered
    // The attempt being answered now (attempt.js).
    attempt: null,        // {id, examId, count, deadline (ms), course}
    queue: null,          // AnswerQueue (answers.js)
    feed: null,           // EventFeed (sse.js, feed.js)
    views: new Map(),     // n -> question view from the server (questions.js)
    values: new Map(),    // n -> the answer as the candidate last left it
    photos: new Map(),    // n -> Map(photo id -> {id, status, url}) (phone.js)
    deskUploads: new Map(),  // n -> files chosen on this computer, with their progress (upload.js)
    removed: new Set(),   // photo ids removed here (stale views must not bring them back)
    paired: new Set(),    // question numbers with a phone connected
    current: 0,           // the question on screen
    questionToken: 0,     // bumped per navigation: a late answer for another question is dropped
    qrToken: 0,           // the same for QR codes
    qrTimer: null,
    qr: null,             // {n, scene, expires} of the QR code on screen
    locked: false,        // moved to another computer or submitted: no more answering here
    timers: [],           // intervals working for the attempt
    reported: new Set(),  // integrity codes already reported in this attempt (monitor.js)
    snapshotBusy: false,
    heartbeatBusy: false,
    submitting: false,    // no snapshot or heartbeat starts while a submit is on its way
    snapshotsSent: 0,
    timeUp: false,
    resultTimer: null,    // result.js
    resultAttempt: null,
    faceBusy: false,      // face.js
  };
  const listeners = new Map();  // key -> Set of listeners

  function known(key) {
    if (!Object.prototype.hasOwnProperty.call(state, key)) throw new Error("unknown exam page state: " + key);
  }

  function get(key) {
    known(key);
    return state[key];
  }

  function set(key, value) {
    if (typeof key === "object" && key !== null) {
      Object.keys(key).forEach((name) => set(name, key[name]));
      return;
    }
    known(key);
    state[key] = value;
    (listeners.get(key) || new Set()).forEach((listener) => listener(value, key));
  }

  // Calls listener(value, key) after every set() of key; returns a function that unsubscribes.
  function subscribe(key, listener) {
    known(key);
    if (!listeners.has(key)) listeners.set(key, new Set());
    listeners.get(key).add(listener);
    return () => listeners.get(key).delete(listener);
  }

  // `state` is exposed for reading only (the browser tests look at the attempt and the feed).
  ExamPage.store = { get, set, subscribe, state };
})(window);

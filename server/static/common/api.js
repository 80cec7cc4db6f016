// A small client of the public API for the web pages: bearer token, JSON, the error format.
// Errors reject with an ApiError carrying the server's code, Chinese message and FAQ number.
(function (global) {
  "use strict";

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "网络异常，请稍后重试");
      this.status = status;
      this.code = (body && body.code) || (status === 0 ? "NETWORK_ERROR" : "HTTP_" + status);
      this.faq = body ? body.faq : null;
      this.body = body || {};
    }
  }

  class Api {
    constructor(storageKey) {
      this.storageKey = storageKey;  // one token per page kind, kept for this tab only
    }

    get token() { return sessionStorage.getItem(this.storageKey); }
    set token(value) {
      if (value) sessionStorage.setItem(this.storageKey, value);
      else sessionStorage.removeItem(this.storageKey);
    }

    async request(method, path, body, options) {
      const headers = {};
      if (this.token) headers.Authorization = "Bearer " + this.token;
      let payload;
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      let response;
      try {
        response = await fetch("/api/v1" + path, Object.assign({ method, headers, body: payload }, options));
      } catch {
        throw new ApiError(0, null);  // offline or the server is unreachable
      }
      const text = await response.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch { data = null; }
      if (!response.ok) throw new ApiError(response.status, data);
      return { data, headers: response.headers, status: response.status };
    }

    async get(path) { return (await this.request("GET", path)).data; }
    async post(path, body) { return (await this.request("POST", path, body)).data; }
    async put(path, body) { return (await this.request("PUT", path, body)).data; }
    async del(path) { return (await this.request("DELETE", path)).data; }
  }

  global.ExamCloud = { Api, ApiError };
})(window);

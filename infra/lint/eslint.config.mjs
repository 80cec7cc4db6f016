// ESLint (flat config) for the project's JavaScript: the web pages (server/static, plain browser
// scripts without a build step) and the WeChat mini program (CommonJS modules, jest tests).
// Run from the repository root: infra/scripts/lint-js.sh (patterns below are relative to it).
import js from "@eslint/js";
import globals from "globals";

// What the mini program's JavaScript runtime offers besides the language itself.
const wechat = {
  wx: "readonly",
  App: "readonly",
  Page: "readonly",
  Component: "readonly",
  getApp: "readonly",
  getCurrentPages: "readonly",
  console: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
};

export default [
  { ignores: ["**/node_modules/", "miniprogram/miniprogram_npm/"] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": "error",
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // Each page's scripts are plain <script defer> files that share window.ExamCloud,
    // window.ExamPage or window.ExamConsole; nothing may leak into the global scope by accident.
    files: ["server/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: { "no-implicit-globals": "error" },
  },
  {
    files: ["miniprogram/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "commonjs",
      globals: { ...globals.commonjs, ...wechat },
    },
  },
  {
    // The mini program's tests run in jest on Node, in a jsdom document.
    files: ["miniprogram/tests/**/*.js"],
    languageOptions: {
      globals: { ...globals.node, ...globals.browser, ...globals.jest },
    },
  },
  {
    files: ["infra/lint/**/*.mjs"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
];

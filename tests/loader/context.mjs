// Runs loader modules (loader/src/*.js) in node for unit tests: the modules' own text, with the
// constants the build puts before them (scripts/loader-source.mjs), in strict mode inside one
// function, as in dist/optin.js. The browser globals they use (localStorage, fetch, navigator,
// console, window) are fakes the test passes in and inspects.
import vm from 'node:vm';
import { loaderSource } from '../../scripts/loader-source.mjs';

/**
 * Evaluates `modules` in a fresh context whose globals are `globals` (`window` is the context
 * itself) and returns the top-level functions named in `names`.
 */
export function loadModules(modules, names, globals = {}) {
  const context = vm.createContext({ ...globals });
  vm.runInContext('window = globalThis', context);
  const exported = names.map((n) => `${n}: ${n}`).join(', ');
  const source = `(function () {\n'use strict';\n${loaderSource(modules)}\nreturn { ${exported} };\n})()`;
  return { ...vm.runInContext(source, context, { filename: 'loader' }), context };
}

/** A value from the context as plain JSON (objects of another realm fail deepStrictEqual). */
export const plain = (value) => JSON.parse(JSON.stringify(value));

/** Lets every pending promise reaction run. */
export const drain = () => new Promise((resolve) => setImmediate(resolve));

/** localStorage in memory; `failing` makes every method throw, as disabled storage does. */
export function memoryStorage(entries = {}, { failing = false, full = false } = {}) {
  const data = new Map(Object.entries(entries));
  const refuse = () => { throw new Error('SecurityError: storage is disabled'); };
  return {
    data,
    getItem: (k) => (failing ? refuse() : data.has(k) ? data.get(k) : null),
    setItem: (k, v) => {
      if (failing) refuse();
      if (full) throw new Error('QuotaExceededError');
      data.set(k, String(v));
    },
    removeItem: (k) => (failing ? refuse() : data.delete(k)),
  };
}

/**
 * fetch whose answers the test gives: `calls[i].answer(status)` or `.fail()` (a network error).
 */
export function scriptedFetch() {
  const calls = [];
  const fetch = (url, init) => new Promise((resolve, reject) => {
    calls.push({
      url,
      init,
      body: init.body,
      receipt: JSON.parse(init.body),
      answer: (status) => resolve({ status, ok: status > 199 && status < 300 }),
      fail: () => reject(new TypeError('Failed to fetch')),
    });
  });
  return { fetch, calls };
}

/** console that records warnings and errors. */
export function recordingConsole() {
  const warnings = [];
  const errors = [];
  return {
    warnings,
    errors,
    warn: (...args) => warnings.push(args.join(' ')),
    error: (...args) => errors.push(args.join(' ')),
    log: () => {},
  };
}

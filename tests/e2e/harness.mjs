// End-to-end test harness for optin: a tiny static server, a Chromium launcher and widget helpers.
//
// Typical use in a test file:
//
//   import { test } from 'node:test';
//   import { setupE2E, html, widget } from './harness.mjs';
//   const env = setupE2E();                       // registers before/after hooks
//   test('x', async () => {
//     env.server.page('/p/x.html', html({ body: '...' }));
//     const s = await env.newPage();              // fresh context + page, network & errors watched
//     await s.page.goto(env.server.url('/p/x.html'));
//     ...
//     s.assertNoErrors();
//   });
//
// Nothing here depends on the internet: the server listens on 127.0.0.1 only, and Chromium is
// launched with the background-networking switches off.

import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { before, after, beforeEach, afterEach } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, BASE_ARGS, animationsDone } from '../../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const DIST_DIR = process.env.OPTIN_DIST ? path.resolve(process.env.OPTIN_DIST) : path.join(ROOT, 'dist');
export const FIXTURES_DIR = path.join(HERE, 'fixtures');
export { CHROMIUM_PATH, BASE_ARGS, animationsDone };

export const STORAGE_KEY = 'optin.consent';
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// ISO 8601 date-time with a timezone (Z or ±hh:mm), as produced by Date#toISOString and friends.
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.br': 'application/octet-stream',
  '.gz': 'application/octet-stream',
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 nobody listens on (right now). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------

/**
 * Start the static server. Mounts: `/optin/*` -> distDir, `/fixtures/*` -> fixturesDir, plus pages
 * and routes registered at run time. Every request is logged in `server.requests`.
 *
 * @returns {Promise<TestServer>}
 */
export async function startServer({ distDir = DIST_DIR, fixturesDir = FIXTURES_DIR, host = '127.0.0.1' } = {}) {
  const server = new TestServer({ distDir, fixturesDir });
  await server.listen(host);
  return server;
}

export class TestServer {
  constructor({ distDir, fixturesDir }) {
    this.mounts = [
      { prefix: '/optin/', dir: distDir },
      { prefix: '/fixtures/', dir: fixturesDir },
    ];
    /** @type {{method:string, path:string, url:string, host:string, time:number, status?:number}[]} */
    this.requests = [];
    this._pages = new Map(); // key: `${host||''} ${path}` -> {body, headers, status}
    this._routes = new Map(); // path -> handler(req, res, url)
    this._delays = new Map(); // path -> ms
    this._defaultHeaders = { 'cache-control': 'no-store' };
    this._http = http.createServer((req, res) => {
      this._handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err && err.stack || err));
      });
    });
    this._sockets = new Set();
    this._http.on('connection', (s) => {
      this._sockets.add(s);
      s.on('close', () => this._sockets.delete(s));
    });
  }

  listen(host) {
    return new Promise((resolve, reject) => {
      this._http.once('error', reject);
      this._http.listen(0, host, () => {
        this.port = this._http.address().port;
        this.host = host;
        this.origin = `http://${host}:${this.port}`;
        resolve(this);
      });
    });
  }

  /** Absolute URL for a path; `host` lets a test use a mapped hostname (e.g. 'a.optin.test'). */
  url(p = '/', { host } = {}) {
    return `http://${host || this.host}:${this.port}${p}`;
  }

  /** Origin for a hostname, e.g. server.originFor('a.optin.test') -> 'http://a.optin.test:PORT'. */
  originFor(host) {
    return `http://${host}:${this.port}`;
  }

  /**
   * Register a page (or any body) at a path. `opts.headers` are response headers (e.g.
   * { 'content-security-policy': "script-src 'self'" }); `opts.status` defaults to 200;
   * `opts.type` overrides the content type (default from the extension, else text/html);
   * `opts.host` restricts the page to one Host (without port). Returns the absolute URL.
   */
  page(p, body, { headers = {}, status = 200, type, host } = {}) {
    const ext = path.extname(p);
    const contentType = type || MIME[ext] || 'text/html; charset=utf-8';
    this._pages.set(`${host || ''} ${p}`, { body, headers: lower(headers), status, contentType });
    return this.url(p, { host });
  }

  /** Register a JSON document at a path (served as application/json). */
  json(p, value, opts = {}) {
    return this.page(p, typeof value === 'string' ? value : JSON.stringify(value), { type: MIME['.json'], ...opts });
  }

  /** Custom handler: fn(req, res, url). Takes precedence over pages and mounts. */
  route(p, fn) {
    this._routes.set(p, fn);
  }

  /** Delay the response for a path (pathname, exact match) by `ms` milliseconds. */
  delay(p, ms) {
    if (ms > 0) this._delays.set(p, ms);
    else this._delays.delete(p);
  }

  /** Number of logged requests whose pathname equals `p` (or matches a RegExp). */
  requestCount(p) {
    return this.requests.filter((r) => matchPath(r.path, p)).length;
  }

  /** Was `p` (pathname string or RegExp) ever requested since the last clear? */
  requested(p) {
    return this.requestCount(p) > 0;
  }

  clearRequests() {
    this.requests.length = 0;
  }

  /** Forget pages, routes, delays and the request log (called before each test by setupE2E). */
  reset() {
    this._pages.clear();
    this._routes.clear();
    this._delays.clear();
    this.clearRequests();
  }

  async close() {
    for (const s of this._sockets) s.destroy();
    await new Promise((r) => this._http.close(() => r()));
  }

  async _handle(req, res) {
    const url = new URL(req.url, 'http://x');
    const pathname = url.pathname;
    const hostname = String(req.headers.host || '').replace(/:\d+$/, '');
    const entry = { method: req.method, path: pathname, url: req.url, host: hostname, time: Date.now() };
    this.requests.push(entry);
    res.on('finish', () => { entry.status = res.statusCode; });

    const ms = this._delays.get(pathname);
    if (ms) await sleep(ms);

    const route = this._routes.get(pathname);
    if (route) return route(req, res, url);

    const pg = this._pages.get(`${hostname} ${pathname}`) || this._pages.get(` ${pathname}`);
    if (pg) {
      const body = typeof pg.body === 'function' ? pg.body(req, url) : pg.body;
      res.writeHead(pg.status, { ...this._defaultHeaders, 'content-type': pg.contentType, ...pg.headers });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }

    if (pathname === '/favicon.ico') {
      res.writeHead(204, this._defaultHeaders);
      return res.end();
    }

    for (const { prefix, dir } of this.mounts) {
      if (!pathname.startsWith(prefix)) continue;
      let rel;
      try { rel = decodeURIComponent(pathname.slice(prefix.length)); } catch { break; }
      const file = path.resolve(dir, rel);
      if (file !== dir && !file.startsWith(dir + path.sep)) break; // traversal
      let data;
      try {
        const st = await fs.promises.stat(file);
        if (!st.isFile()) break;
        data = await fs.promises.readFile(file);
      } catch { break; }
      res.writeHead(200, {
        ...this._defaultHeaders,
        'content-type': MIME[path.extname(file)] || 'application/octet-stream',
        'content-length': data.length,
      });
      return res.end(req.method === 'HEAD' ? undefined : data);
    }

    res.writeHead(404, { ...this._defaultHeaders, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`404 ${pathname}`);
  }
}

function lower(h) {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function matchPath(actual, p) {
  return p instanceof RegExp ? p.test(actual) : actual === p;
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/**
 * Launch headless Chromium. `args` are appended to BASE_ARGS; `hostMap` is a shorthand for
 * --host-resolver-rules, e.g. { '*.optin.test': '127.0.0.1' } (or a raw rules string).
 */
export async function launchBrowser({ args = [], hostMap, headless = true, ...rest } = {}) {
  const all = [...BASE_ARGS, ...args];
  if (hostMap) {
    const rules = typeof hostMap === 'string'
      ? hostMap
      : Object.entries(hostMap).map(([h, ip]) => `MAP ${h} ${ip}`).join(', ');
    all.push(`--host-resolver-rules=${rules}`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless, args: all, ...rest });
}

// Runs in every page before any page script: records optin:change events (detail deep-copied).
function initRecorder() {
  window.__optinEvents = [];
  document.addEventListener('optin:change', (e) => {
    let detail;
    try { detail = JSON.parse(JSON.stringify(e.detail)); } catch { detail = { unserializable: String(e.detail) }; }
    window.__optinEvents.push(detail);
  });
}

/**
 * A browser context with one or more pages whose network and errors are recorded.
 * Properties: context, page (the first tab), pages, requests (URLs, all tabs, in order),
 * requestLog ({url, method, resourceType, frame, tab}), consoleErrors, pageErrors, failedRequests,
 * badResponses (status >= 400).
 */
export class Session {
  constructor(context) {
    this.context = context;
    this.pages = [];
    this.requests = [];
    this.requestLog = [];
    this.consoleErrors = [];
    this.consoleMessages = [];
    this.pageErrors = [];
    this.failedRequests = [];
    this.badResponses = [];
  }

  get page() { return this.pages[0]; }

  /** Open another tab in the same context (shares storage), watched like the first one. */
  async newTab() {
    const page = await this.context.newPage();
    const tab = this.pages.length;
    this.pages.push(page);
    page.on('request', (r) => {
      this.requests.push(r.url());
      this.requestLog.push({ url: r.url(), method: r.method(), resourceType: r.resourceType(), tab });
    });
    page.on('requestfailed', (r) => this.failedRequests.push({ url: r.url(), error: r.failure()?.errorText, tab }));
    page.on('response', (r) => { if (r.status() >= 400) this.badResponses.push({ url: r.url(), status: r.status(), tab }); });
    page.on('console', (m) => {
      const entry = { type: m.type(), text: m.text(), location: m.location(), tab };
      this.consoleMessages.push(entry);
      if (m.type() === 'error') this.consoleErrors.push(entry);
    });
    page.on('pageerror', (e) => this.pageErrors.push({ message: e.message, stack: e.stack, tab }));
    return page;
  }

  /** Were any of the page's requests for a URL whose pathname is `p` (string or RegExp)? */
  requestedPath(p) {
    return this.requests.some((u) => matchPath(safePath(u), p));
  }

  requestCount(p) {
    return this.requests.filter((u) => matchPath(safePath(u), p)).length;
  }

  clearRequests() {
    this.requests.length = 0;
    this.requestLog.length = 0;
  }

  /** All errors seen so far, as readable strings. */
  errors() {
    return [
      ...this.consoleErrors.map((e) => `console.error: ${e.text}${e.location?.url ? ` (${e.location.url}:${e.location.lineNumber})` : ''}`),
      ...this.pageErrors.map((e) => `pageerror: ${e.stack || e.message}`),
    ];
  }

  assertNoErrors(msg = 'no console errors or page errors') {
    assert.deepEqual(this.errors(), [], msg);
  }

  /** Assert every request the pages made went to one of `origins` (data:/blob: URLs allowed). */
  assertOnlyOrigins(origins, msg = 'no request left the allowed origins') {
    const allowed = [].concat(origins);
    const stray = this.requests.filter((u) => !/^(data|blob):/.test(u) && !allowed.some((o) => u.startsWith(o + '/')));
    assert.deepEqual(stray, [], msg);
  }

  async close() {
    await this.context.close().catch(() => {});
  }
}

function safePath(u) {
  try { return new URL(u).pathname; } catch { return u; }
}

/**
 * Fresh context + first tab. `contextOptions` go to browser.newContext; `recordEvents` (default
 * true) installs the optin:change recorder (window.__optinEvents) as an init script.
 */
export async function openSession(browser, { contextOptions = {}, recordEvents = true } = {}) {
  const context = await browser.newContext(contextOptions);
  if (recordEvents) await context.addInitScript(initRecorder);
  const s = new Session(context);
  await s.newTab();
  return s;
}

/**
 * Register node:test hooks for a test file: one server + one browser for the file, server reset
 * before each test, sessions closed after each test. Returns an env object whose `server`,
 * `browser` are filled in by the `before` hook, plus `newPage(opts)` -> Session.
 * Options: browserArgs (extra Chromium switches), hostMap, serverOptions, requireDist (default true).
 */
export function setupE2E({ browserArgs = [], hostMap, serverOptions = {}, requireDist = true } = {}) {
  const env = {
    server: null,
    browser: null,
    sessions: [],
    async newPage(opts) {
      const s = await openSession(env.browser, opts);
      env.sessions.push(s);
      return s;
    },
  };
  before(async () => {
    if (requireDist && !fs.existsSync(path.join(serverOptions.distDir || DIST_DIR, 'optin.js'))) {
      throw new Error(`${path.join(serverOptions.distDir || DIST_DIR, 'optin.js')} is missing: build the widget first (make build)`);
    }
    env.server = await startServer(serverOptions);
    env.browser = await launchBrowser({ args: browserArgs, hostMap });
  });
  after(async () => {
    for (const s of env.sessions.splice(0)) await s.close();
    if (env.browser) await env.browser.close().catch(() => {});
    if (env.server) await env.server.close();
  });
  beforeEach(() => { env.server?.reset(); });
  afterEach(async () => {
    for (const s of env.sessions.splice(0)) await s.close();
  });
  return env;
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

/** A gated external script tag. */
export const gated = (category, src) => `<script type="text/plain" data-category="${category}" src="${src}"></script>`;
/** A gated inline script that records `name` in window.__runs. */
export const gatedInline = (category, name) =>
  `<script type="text/plain" data-category="${category}">(window.__runs = window.__runs || []).push(${JSON.stringify(name)})</script>`;

/**
 * Build an HTML page. Options:
 *  - config: object -> inline <script type="application/json" id="optin-config">
 *  - configUrl: string -> data-config on the embed tag
 *  - embed: false to leave the widget out; embedAttrs: extra attributes on the embed tag
 *  - head, body: raw HTML; lang (default 'en'); title
 */
export function html({ config, configUrl, embed = true, embedAttrs = '', head = '', body = '', lang = 'en', title = 'optin e2e' } = {}) {
  const cfg = config === undefined ? '' : `<script type="application/json" id="optin-config">${
    (typeof config === 'string' ? config : JSON.stringify(config)).replace(/</g, '\\u003c')}</script>`;
  const tag = embed
    ? `<script src="/optin/optin.js" defer${configUrl ? ` data-config="${configUrl}"` : ''}${embedAttrs ? ` ${embedAttrs}` : ''}></script>`
    : '';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
${cfg}
${tag}
${head}
</head>
<body>
<main><h1>${title}</h1><p>Test page.</p></main>
${body}
</body>
</html>`;
}

// ---------------------------------------------------------------------------------------------
// Widget helpers
// ---------------------------------------------------------------------------------------------

/**
 * Locators for the widget (Playwright CSS pierces open shadow roots). Banner buttons are scoped
 * to the banner and panel controls to the panel, since both may carry e.g. accept-all.
 */
export function widget(page) {
  const banner = page.locator('[data-optin="banner"]');
  const prefs = page.locator('[data-optin="preferences"]');
  return {
    banner,
    acceptAll: banner.locator('[data-optin="accept-all"]'),
    rejectAll: banner.locator('[data-optin="reject-all"]'),
    preferencesOpen: banner.locator('[data-optin="preferences-open"]'),
    preferences: prefs,
    save: prefs.locator('[data-optin="save"]'),
    prefsAcceptAll: prefs.locator('[data-optin="accept-all"]'),
    prefsRejectAll: prefs.locator('[data-optin="reject-all"]'),
    checkbox: (id) => prefs.locator(`input[data-optin-category="${id}"]`),
    checkboxes: prefs.locator('input[data-optin-category]'),
  };
}

/** Wait until the banner is visible and optin.ready has resolved; returns `widget(page)`. */
export async function bannerReady(page) {
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await waitReady(page);
  return w;
}

/** Wait until window.optin exists and optin.ready has resolved. */
export async function waitReady(page, { timeout = 10_000 } = {}) {
  await page.waitForFunction(() => window.optin && window.optin.ready, null, { timeout });
  await page.evaluate(() => Promise.resolve(window.optin.ready).then(() => undefined));
}

/** The parsed localStorage record (or null). */
export async function storedConsent(page) {
  const raw = await page.evaluate((k) => window.localStorage.getItem(k), STORAGE_KEY);
  return raw === null ? null : JSON.parse(raw);
}

/** window.__runs (what the gated fixtures recorded), [] if none. */
export const runs = (page) => page.evaluate(() => (window.__runs || []).slice());

/** optin:change details recorded since the page loaded. */
export const events = (page) => page.evaluate(() => (window.__optinEvents || []).slice());

/** Wait until window.__runs has at least `n` entries; returns them. */
export async function waitForRuns(page, n, { timeout = 10_000 } = {}) {
  await page.waitForFunction((n) => (window.__runs || []).length >= n, n, { timeout });
  return runs(page);
}

/** Wait until at least `n` optin:change events were seen; returns them. */
export async function waitForEvents(page, n, { timeout = 10_000 } = {}) {
  await page.waitForFunction((n) => (window.__optinEvents || []).length >= n, n, { timeout });
  return events(page);
}

/** Ids of the category checkboxes in the panel, in DOM order, with their state. */
export async function categoryStates(page) {
  return widget(page).checkboxes.evaluateAll((els) =>
    els.map((el) => ({ id: el.getAttribute('data-optin-category'), checked: el.checked, disabled: el.disabled })));
}

/** Computed style subset of a locator's element. */
export function computed(locator, props) {
  return locator.evaluate((el, props) => {
    const cs = getComputedStyle(el);
    return Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
  }, props);
}

/** Assert a stored record's shape (schema, uuid, ISO dates, known method). */
export function assertRecordShape(rec) {
  assert.ok(rec && typeof rec === 'object', 'a consent record is stored');
  assert.equal(rec.schema, 1, 'schema 1');
  assert.match(String(rec.id), UUID_V4, 'id is a v4 UUID');
  assert.equal(typeof rec.revision, 'number', 'revision is a number');
  for (const k of ['givenAt', 'updatedAt', 'expiresAt']) {
    assert.match(String(rec[k]), ISO_8601, `${k} is ISO 8601`);
    assert.ok(!Number.isNaN(Date.parse(rec[k])), `${k} parses`);
  }
  assert.ok(Date.parse(rec.expiresAt) > Date.parse(rec.updatedAt), 'expiresAt after updatedAt');
  assert.ok(Date.parse(rec.updatedAt) >= Date.parse(rec.givenAt), 'updatedAt not before givenAt');
  assert.ok(['accept-all', 'reject-all', 'custom'].includes(rec.method), `method ${rec.method}`);
  assert.ok(rec.categories && typeof rec.categories === 'object', 'categories object');
  for (const [k, v] of Object.entries(rec.categories)) assert.equal(typeof v, 'boolean', `categories.${k} is boolean`);
  assert.equal(typeof rec.lang, 'string', 'lang string');
}

/** Give the page time to do anything it wrongly might (load gated scripts, etc.). */
export async function settle(page, ms = 400) {
  await waitReady(page);
  await page.waitForTimeout(ms);
}

/** Run axe-core in the page (works under a strict CSP: evaluated through the devtools protocol). */
export async function runAxe(page, { context, options } = {}) {
  const require = createRequire(import.meta.url);
  const src = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(src);
  return page.evaluate(({ context, options }) => window.axe.run(context || document, options || {}), { context, options });
}

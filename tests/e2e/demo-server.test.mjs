// `make demo`'s server (scripts/demo-server.mjs) serves the widget as README "Serving dist/" says:
// compressed, the files the loader fetches by versioned URL cached for a year and not asked for
// again on the next page view, optin.js for an hour, a favicon, no console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoServer, CACHE } from '../../scripts/demo-server.mjs';
import { launchBrowser, DIST_DIR, widget } from './harness.mjs';

let server;
let browser;
const seen = [];
before(async () => {
  server = await startDemoServer({ port: 0, dist: DIST_DIR });
  server.on('request', (req) => seen.push(req.url));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

test('demo server: brotli, Vary, long immutable caching for versioned files, an hour for optin.js, a favicon', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const responses = new Map();
  page.on('response', (r) => responses.set(new URL(r.url()).pathname, r));
  // The browser asks for the favicon when it gets round to it, which can be after the banner.
  const favicon = page.waitForResponse((r) => new URL(r.url()).pathname === '/favicon.svg');
  await page.goto(`${server.origin}/index.html`);
  await widget(page).banner.waitFor({ state: 'visible' });
  await favicon;

  const headers = async (p) => {
    const r = responses.get(p);
    assert.ok(r, `${p} was loaded`);
    assert.equal(r.status(), 200, `${p}: 200`);
    return { url: r.url(), ...(await r.allHeaders()) };
  };
  const loader = await headers('/optin/optin.js');
  assert.equal(loader['content-encoding'], 'br', 'optin.js is sent brotli-compressed');
  assert.match(loader.vary, /accept-encoding/i);
  assert.equal(loader['cache-control'], CACHE.loader, 'optin.js: the unversioned include, an hour');
  assert.ok(loader.etag, 'optin.js: revalidated by ETag');
  for (const f of ['/optin/optin-ui.js', '/optin/optin-ui_bg.wasm']) {
    const h = await headers(f);
    assert.equal(new URL(h.url).searchParams.get('v')?.length, 16, `${f} is fetched by a versioned URL: ${h.url}`);
    assert.equal(h['content-encoding'], 'br', `${f} is compressed`);
    assert.equal(h['cache-control'], CACHE.versioned, `${f}: a year, immutable`);
  }
  assert.equal((await headers('/optin/optin-ui_bg.wasm'))['content-type'], 'application/wasm');
  assert.equal((await headers('/index.html'))['cache-control'], CACHE.site, 'pages are revalidated');
  assert.equal((await headers('/favicon.svg'))['content-type'], 'image/svg+xml', 'the favicon');
  assert.deepEqual(errors, [], 'no console error (no missing favicon)');

  // The next page view (no choice yet, so the banner again): the versioned files come from the
  // HTTP cache without a request; optin.js too, within its hour.
  seen.length = 0;
  await page.goto(`${server.origin}/privacy.html`);
  await widget(page).banner.waitFor({ state: 'visible' });
  const asked = seen.filter((u) => u.startsWith('/optin/'));
  assert.deepEqual(asked, [], `nothing of the widget fetched again: ${asked}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('demo server: gzip for a client without brotli, identity without either, 304 on a matching ETag', async () => {
  const get = (p, h) => fetch(server.origin + p, { headers: h });
  const gz = await get('/optin/optin.js', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  const plain = await get('/optin/optin.js', { 'accept-encoding': 'identity' });
  assert.equal(plain.headers.get('content-encoding'), null);
  const etag = plain.headers.get('etag');
  const again = await get('/optin/optin.js', { 'accept-encoding': 'identity', 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal((await get('/optin/../package.json', {})).status, 404, 'nothing outside www/ and dist/');
});

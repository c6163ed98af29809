// optin-yew in a server-rendered Yew app: examples/yew-ssr (built by scripts/build-ssr-example.sh
// into target/example-ssr/: index.html rendered natively by Yew's server renderer, and the wasm
// that hydrates it) served as static files, in Chromium. The server's markup is in the page
// before any wasm runs and is the state before the core starts (nothing of the visitor is known
// on the server); hydration keeps those very nodes (an init script marks them before the wasm
// runs); then the app is live: the banner on a first visit, accept-all stores the record and shows
// the <Gated> block, the page's button opens the panel, and a reload asks nothing.

import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setupE2E, widget, storedConsent, assertRecordShape, ROOT, sleep } from './harness.mjs';

const APP = path.join(ROOT, 'target', 'example-ssr');
const FILES = ['index.html', 'example.js', 'example_bg.wasm'];
const env = setupE2E({ requireDist: false });
const T = { timeout: 60_000 };
// Nodes the server rendered, marked before the wasm runs (see markServerNodes).
const MARKED = ['#page', '[data-placeholder="media"]', '[data-settings]'];

beforeEach(() => {
  for (const f of FILES) {
    if (!fs.existsSync(path.join(APP, f))) {
      throw new Error(`${APP}/${f} is missing: run scripts/build-ssr-example.sh (make example-ssr-build)`);
    }
  }
  env.server.page('/', fs.readFileSync(path.join(APP, 'index.html'), 'utf8'));
  for (const f of FILES.slice(1)) env.server.page(`/${f}`, fs.readFileSync(path.join(APP, f)));
});

// Runs before any page script. Its DOMContentLoaded listener comes before the page's own (which
// starts the wasm): it sees the parsed server markup, marks its nodes with a property (which only
// the same DOM object keeps) and notes whether the app had rendered anything of its own by then.
function markServerNodes(selectors) {
  document.addEventListener('DOMContentLoaded', () => {
    window.__beforeWasm = {
      marked: selectors.filter((s) => {
        const el = document.querySelector(s);
        if (el) el.__fromServer = true;
        return !!el;
      }),
      widgets: document.querySelectorAll('optin-widget').length,
    };
  });
}

/** A new page with the marking init script, at the example's index. */
async function openApp() {
  const s = await env.newPage();
  await s.page.addInitScript(markServerNodes, MARKED);
  await s.page.goto(env.server.url('/'));
  return { s, w: widget(s.page) };
}

/** Which of MARKED are, right now, the nodes the server rendered. */
const stillServerNodes = (page) =>
  page.evaluate((selectors) => selectors.filter((s) => document.querySelector(s)?.__fromServer === true), MARKED);

test('the page carries the server-rendered app before any wasm runs: the state before the start', T, async () => {
  const raw = await (await fetch(env.server.url('/'))).text();
  const body = raw.slice(raw.lastIndexOf('<body>'), raw.lastIndexOf('</body>'));
  assert.match(body, /<main id="page">/, "the app's markup is in the HTML");
  assert.match(body, /data-placeholder="media"/, "<Gated>'s fallback: nothing is granted on the server");
  assert.match(body, /data-analytics="not granted"/);
  assert.match(body, /<!--<\[optin_yew::provider::OptinProvider\]>-->/, "hydratable: Yew's markers");
  assert.doesNotMatch(body, /optin-widget|data-gated|<script/, 'no banner, no grant, nothing but the app');

  // In the browser with the wasm held back: the server's page is what shows.
  env.server.delay('/example_bg.wasm', 1500);
  const { s } = await openApp();
  await s.page.waitForFunction(() => window.__beforeWasm);
  assert.deepEqual(await s.page.evaluate(() => window.__beforeWasm), { marked: MARKED, widgets: 0 });
  assert.equal(await s.page.locator('#page h1').textContent(), 'optin-yew, server-rendered');
  assert.equal(s.requestedPath('/example_bg.wasm'), true, 'the wasm is on its way');
  assert.equal(await s.page.locator('optin-widget').count(), 0, 'nothing of the app yet');
  s.assertNoErrors();
});

test('hydration keeps the server nodes; first visit asks, accept-all stores and shows <Gated>; a reload asks nothing', T, async () => {
  const { s, w } = await openApp();
  await w.banner.waitFor({ state: 'visible' });
  assert.deepEqual(await stillServerNodes(s.page), MARKED, 'hydrated in place, not re-rendered');
  assert.equal(await storedConsent(s.page), null);

  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'detached' });
  const record = await storedConsent(s.page);
  assertRecordShape(record);
  assert.equal(record.method, 'accept-all');
  assert.deepEqual(record.categories, { necessary: true, analytics: true, media: true });
  await s.page.locator('[data-gated="media"]').waitFor();
  assert.equal(await s.page.locator('[data-placeholder="media"]').count(), 0);
  assert.equal(await s.page.locator('[data-analytics]').getAttribute('data-analytics'), 'granted');
  assert.deepEqual(await stillServerNodes(s.page), ['#page', '[data-settings]'],
    'the page stays the server\'s; only the fallback gave way to the granted block');

  await s.page.reload();
  await s.page.locator('[data-gated="media"]').waitFor();
  assert.deepEqual(await stillServerNodes(s.page), ['#page', '[data-settings]'],
    'the reload hydrated the server\'s nodes too (the fallback, then the grant)');
  await sleep(300);
  assert.equal(await w.banner.count(), 0, 'no banner for a returning visitor');
  assert.deepEqual(await storedConsent(s.page), record, 'the record is untouched');

  // The page's button opens the panel, from the choice in force.
  await s.page.locator('[data-settings]').click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.checkbox('media').isChecked(), true);
  s.assertNoErrors();
});

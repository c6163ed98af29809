// The consent log's outbox, end to end (loader/src/outbox.js): receipts wait in a queue in
// localStorage and each leaves it only on its own answer, so an acknowledgement of one choice
// cannot lose a later one; a receipt the log refuses for good is dropped, with a warning, instead
// of being sent on every page load.
//
// Nothing here waits a fixed time: an init script records, in the page, every POST and the status
// it got, and the loader sends what is queued before `optin.ready` resolves, so once it has
// resolved the page's record of the start is complete.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupE2E, html, gated, bannerReady, waitReady, sleep } from './harness.mjs';

const env = setupE2E();
const T = { timeout: 60_000 };
const OUTBOX = 'optin.outbox';
const CATEGORIES = [{ id: 'necessary', required: true }, { id: 'analytics' }];

/** Polls `fn` until it returns something truthy (or fails after `timeout`). */
async function until(fn, { timeout = 10_000, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting for ${message}`);
    await sleep(50);
  }
}

/**
 * A consent log on the harness server. Each POST is recorded and answered with what
 * `ep.answer(post)` gives (a status, or a promise of one), 201 by default.
 */
function logEndpoint(p = '/log') {
  const ep = { posts: [], answer: () => 201, url: env.server.url(p) };
  env.server.route(p, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const post = { body, receipt: JSON.parse(body), status: null };
      ep.posts.push(post);
      post.status = await ep.answer(post);
      res.writeHead(post.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(post.status < 300 ? '{"stored":true}' : '{"error":"test"}');
    });
  });
  return ep;
}

// Runs in the page before optin.js: every POST the page makes, with its body and, once the answer
// is in, its status ('failed' for a network error). The loader's own reaction to that answer runs
// in the same microtask checkpoint, so a page that shows a status has also handled it.
function recordPosts() {
  window.__posts = [];
  const fetch = window.fetch;
  window.fetch = function (url, init) {
    const answer = fetch.apply(this, arguments);
    if (init && init.method === 'POST') {
      const post = { url: String(url), body: init.body, status: null };
      window.__posts.push(post);
      answer.then((r) => { post.status = r.status; }, () => { post.status = 'failed'; });
    }
    return answer;
  };
}

/** The page's POSTs so far, with their receipts parsed. */
const pagePosts = (page) =>
  page.evaluate(() => window.__posts.map((p) => ({ ...p, receipt: JSON.parse(p.body) })));

/** Waits until the page has had `n` POSTs answered (or failed), and returns them. */
async function answered(page, n) {
  await page.waitForFunction((n) => window.__posts.length >= n && window.__posts.every((p) => p.status !== null), n);
  return pagePosts(page);
}

const outbox = (page) => page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), OUTBOX);
const choice = (r) => `${r.id}@${r.updatedAt}`;

async function open(pathname, endpoint) {
  const config = { categories: CATEGORIES, reloadOnWithdraw: false, log: { endpoint } };
  env.server.page(pathname, html({ config, body: gated('analytics', '/fixtures/analytics.js') }));
  const s = await env.newPage();
  s.page.setDefaultTimeout(10_000);
  await s.context.addInitScript(recordPosts);
  await s.page.goto(env.server.url(pathname));
  return s;
}

/** Console errors and page errors, apart from Chromium's own line for a log answer >= 400. */
function pageErrors(s, endpoint) {
  return [
    ...s.consoleErrors.filter((e) => !(/^Failed to load resource/.test(e.text) && String(e.location?.url || '').startsWith(endpoint))).map((e) => e.text),
    ...s.pageErrors.map((e) => e.message),
  ];
}

test('outbox: A is acknowledged after B was chosen and B failed: B is POSTed again on the next load', T, async () => {
  const ep = logEndpoint();
  // A's answer waits until B has arrived and failed, so A's acknowledgement comes while B waits
  // in the outbox.
  let releaseA;
  const aAnswered = new Promise((resolve) => { releaseA = resolve; });
  ep.answer = () => {
    if (ep.posts.length === 1) return aAnswered.then(() => 201);
    releaseA();
    return 503;
  };
  const s = await open('/p/outbox-a-b.html', ep.url);
  const { page } = s;
  const w = await bannerReady(page);

  await w.acceptAll.click();
  await until(() => ep.posts.length === 1, { message: "A's POST" });
  const a = ep.posts[0].receipt;
  // B must be a new change (updatedAt has millisecond precision).
  await page.waitForFunction((t) => Date.now() > Date.parse(t), a.updatedAt);
  await page.evaluate(() => window.optin.rejectAll());
  const posts = await answered(page, 2);
  const b = posts[1].receipt;
  assert.equal(b.id, a.id, 'the same consent, changed');
  assert.notEqual(b.updatedAt, a.updatedAt);
  assert.deepEqual(posts.map((p) => [choice(p.receipt), p.status]), [[choice(a), 201], [choice(b), 503]]);

  ep.answer = () => 201;
  await page.reload();
  await waitReady(page);
  const resent = await pagePosts(page);
  assert.deepEqual(resent.map((p) => p.receipt), [b], 'on the next load B (and only B) is POSTed again');
  await answered(page, 1);
  assert.deepEqual(ep.posts.slice(2).map((p) => [choice(p.receipt), p.status]), [[choice(b), 201]], 'the log stored B');
  assert.equal(await outbox(page), null, 'the outbox is empty once B is acknowledged');
  assert.deepEqual(pageErrors(s, ep.url), []);
});

test('outbox: a receipt the log refuses with 400 is dropped with a warning naming 400, not sent again', T, async () => {
  const ep = logEndpoint();
  ep.answer = () => 400;
  const s = await open('/p/outbox-400.html', ep.url);
  const { page } = s;
  const w = await bannerReady(page);

  await w.acceptAll.click();
  const [refused] = await answered(page, 1);
  assert.equal(refused.status, 400);

  await page.reload();
  await waitReady(page);
  assert.deepEqual(await pagePosts(page), [], 'nothing is POSTed on the next load');
  assert.equal(ep.posts.length, 1, 'the log saw the receipt once');
  assert.equal(await outbox(page), null, 'the refused receipt left the outbox');

  const warning = await until(
    () => s.consoleMessages.find((m) => m.type === 'warning' && /^optin: /.test(m.text) && /\b400\b/.test(m.text)),
    { message: `a console warning naming 400 (console: ${JSON.stringify(s.consoleMessages.map((m) => m.text))})` },
  );
  assert.match(warning.text, new RegExp(refused.receipt.id), 'the warning names the receipt');
  assert.deepEqual(pageErrors(s, ep.url), []);
});

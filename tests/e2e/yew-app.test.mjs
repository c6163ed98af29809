// optin-yew in a Yew app: examples/yew-app (built by scripts/build-example.sh into
// target/example/app/, without trunk) in Chromium. The app links optin-core into its own wasm:
// no optin.js, no window.optin. Its banner, use_consent() hook (the analytics stand-in records
// page views only while granted), <Gated> video, settings link and the page's own gated markup;
// a second tab and a reload; the components' accessibility in the app; the stored record read by
// the standalone widget (dist/) and the other way round; and what the provider does for the page
// as optin.js would: <Banner/> and <Preferences/> placed apart (the panel inline on /settings),
// a [data-optin-open] link, German texts for a German visitor, Consent Mode through the page's
// gtag, the receipt POSTed to the config's log.endpoint (a route of the harness, on 127.0.0.1).

import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setupE2E, html, widget, waitReady, storedConsent, assertRecordShape, runAxe, ROOT, sleep,
} from './harness.mjs';

const APP = path.join(ROOT, 'target', 'example', 'app');
const env = setupE2E();
const T = { timeout: 60_000 };
const CONFIG = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/yew-app/optin-config.json'), 'utf8'));

/** The receipts POSTed to the example's `log.endpoint` (/consent-log) in this test. */
let receipts = [];

beforeEach(() => {
  if (!fs.existsSync(path.join(APP, 'example_bg.wasm'))) {
    throw new Error(`${APP} is missing: run scripts/build-example.sh (make test does)`);
  }
  const index = fs.readFileSync(path.join(APP, 'index.html'), 'utf8');
  // Every route of the app is its index.html, as trunk serve and any SPA host answer.
  for (const p of ['/', '/video', '/about', '/settings']) env.server.page(p, index);
  // The same app for a German visitor: only <html lang> differs.
  env.server.page('/de/', index.replace('<html lang="en">', '<html lang="de">'));
  for (const f of ['example.js', 'example_bg.wasm', 'embed.html']) {
    env.server.page(`/${f}`, fs.readFileSync(path.join(APP, f)));
  }
  // The consent log, as optin-receiver would answer: 201 for each receipt.
  receipts = [];
  env.server.route('/consent-log', (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      receipts.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(201, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end('{"stored":true}');
    });
  });
});

/** The app has rendered (its nav is there). */
async function appReady(page) {
  await page.locator('nav a').first().waitFor();
}

/** A new page showing the example app at `path`, rendered: its session and the widget's locators. */
async function openApp(path) {
  const s = await env.newPage();
  await s.page.goto(env.server.url(path));
  await appReady(s.page);
  return { s, w: widget(s.page) };
}

const pageViews = (page) => page.evaluate(() => (window.pageViews || []).slice());
const pageScriptRuns = (page) => page.evaluate(() => window.pageScriptRuns || 0);

test('first visit: banner in a shadow root, nothing granted runs; accept all grants and stores', T, async () => {
  const { s, w } = await openApp('/');
  await w.banner.waitFor({ state: 'visible' });
  assert.equal(await s.page.evaluate(() => typeof window.optin), 'undefined', 'no JS API: the core is in-process');
  assert.equal(
    await s.page.evaluate(() => !!document.querySelector('optin-widget')?.shadowRoot?.querySelector('[data-optin="banner"]')),
    true, 'the banner renders in the shadow root of <optin-widget>');
  await sleep(300);
  assert.deepEqual(await pageViews(s.page), [], 'no page view before consent');
  assert.equal(await pageScriptRuns(s.page), 0, "the page's gated script waits");
  assert.equal(await storedConsent(s.page), null);

  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'detached' });
  await s.page.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(s.page), ['/'], 'the hook re-ran with the grant: this page is counted');
  await s.page.waitForFunction(() => window.pageScriptRuns === 1);
  const record = await storedConsent(s.page);
  assertRecordShape(record);
  assert.equal(record.method, 'accept-all');
  assert.deepEqual(record.categories, { necessary: true, analytics: true, social: true });

  await s.page.locator('nav a', { hasText: 'About' }).click();
  await s.page.waitForFunction(() => (window.pageViews || []).length === 2);
  assert.deepEqual(await pageViews(s.page), ['/', '/about'], 'router navigation counted while granted');
  s.assertNoErrors();
});

test('reject all: no page views, no gated script, the video stays a placeholder without a request', T, async () => {
  const { s, w } = await openApp('/video');
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });
  await s.page.locator('nav a', { hasText: 'Home' }).click();
  await s.page.locator('nav a', { hasText: 'Video' }).click();
  await sleep(300);
  assert.deepEqual(await pageViews(s.page), []);
  assert.equal(await pageScriptRuns(s.page), 0);
  assert.equal(await s.page.locator('[data-placeholder="video"]').count(), 1);
  assert.equal(s.requestedPath('/embed.html'), false, 'no request to the embed');
  assert.equal((await storedConsent(s.page)).method, 'reject-all');
  s.assertNoErrors();
});

test('<Gated>: the placeholder grants the service; withdrawing in the panel takes the embed away', T, async () => {
  const { s, w } = await openApp('/video');
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });

  await s.page.locator('[data-placeholder="video"] button').click();
  await s.page.locator('iframe.video').waitFor();
  await s.page.waitForFunction(() => document.querySelector('iframe.video')?.contentDocument?.getElementById('player'));
  assert.ok(s.requestedPath('/embed.html'), 'the embed loads once granted');
  assert.equal(await s.page.locator('[data-placeholder="video"]').count(), 0);
  const record = await storedConsent(s.page);
  assert.deepEqual(record.services, { social: { video: true } }, 'the one service is stored');
  assert.equal(record.categories.analytics, false);

  await s.page.locator('[data-settings]').click();
  await w.preferences.waitFor({ state: 'visible' });
  const video = w.preferences.locator('input[data-optin-service="social/video"]');
  assert.equal(await video.isChecked(), true, 'the panel starts from the grant');
  await video.click();
  await w.save.click();
  await w.preferences.waitFor({ state: 'detached' });
  await s.page.locator('[data-placeholder="video"]').waitFor();
  assert.equal(await s.page.locator('iframe.video').count(), 0, 'withdrawn: the embed is gone, without a reload');
  s.assertNoErrors();
});

test('a second tab follows a choice made in the first, and a reload keeps it', T, async () => {
  const { s, w } = await openApp('/');
  const other = await s.newTab();
  await other.goto(env.server.url('/about'));
  await appReady(other);
  await widget(other).banner.waitFor({ state: 'visible' });

  await w.acceptAll.click();
  await widget(other).banner.waitFor({ state: 'detached' });
  await other.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(other), ['/about'], 'use_consent re-rendered on the storage event');
  await other.waitForFunction(() => window.pageScriptRuns === 1);

  await other.reload();
  await appReady(other);
  await other.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(other), ['/about'], 'granted from the first render after a reload');
  assert.equal(await other.evaluate(() => window.pageScriptRuns), 1);
  await sleep(300);
  assert.equal(await widget(other).banner.count(), 0, 'no banner for a returning visitor');
  s.assertNoErrors();
});

test('one record format: the standalone widget reads the app\'s choice, and the app reads the widget\'s', T, async () => {
  env.server.page('/standalone.html', html({ config: CONFIG }));
  const { s, w } = await openApp('/');
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'detached' });
  const fromApp = await storedConsent(s.page);

  await s.page.goto(env.server.url('/standalone.html'));
  await waitReady(s.page);
  assert.deepEqual(await s.page.evaluate(() => window.optin.consent()), fromApp, 'optin.js takes the app\'s record as valid');
  assert.equal(await s.page.evaluate(() => window.optin.granted('analytics')), true);
  await sleep(300);
  assert.equal(await w.banner.count(), 0, 'and asks nothing');

  await s.page.evaluate(() => window.optin.rejectAll());
  const fromWidget = await storedConsent(s.page);
  assert.equal(fromWidget.method, 'reject-all');
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  await sleep(500);
  assert.equal(await w.banner.count(), 0, "the app takes the widget's record as valid");
  assert.deepEqual(await pageViews(s.page), [], "and the widget's refusal holds");
  assert.deepEqual(await storedConsent(s.page), fromWidget, 'untouched');
  s.assertNoErrors();
});

test('in the app, banner and panel keep the widget\'s accessibility: axe-clean, focus in and back out', T, async () => {
  const { s, w } = await openApp('/');
  await w.banner.waitFor({ state: 'visible' });
  const axe = async (what) => {
    const results = await runAxe(s.page);
    assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help}`), [], `axe-core with ${what}`);
  };
  await axe('the banner');
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });

  const settings = s.page.locator('[data-settings]');
  await settings.focus();
  await settings.press('Enter');
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.preferences.evaluate((el) => el.getRootNode().activeElement === el), true,
    'focus moves into the dialog');
  await axe('the panel');
  await s.page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'detached' });
  assert.equal(await settings.evaluate((el) => document.activeElement === el), true,
    'focus returns to the settings link');
  s.assertNoErrors();
});

test('<Banner/> and <Preferences/> apart: the banner opens the dialog, which closes back to it; /settings shows the panel inline', T, async () => {
  const { s, w } = await openApp('/');
  await w.banner.waitFor({ state: 'visible' });
  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.banner.count(), 0, 'one view at a time');
  assert.equal(
    await s.page.evaluate(() => [...document.querySelectorAll('optin-widget')]
      .findIndex((h) => h.shadowRoot.querySelector('[data-optin="preferences"]'))),
    1, "the panel renders in <Preferences/>'s own shadow root, not the banner's");
  await s.page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'detached' });
  await w.banner.waitFor({ state: 'visible' });
  assert.equal(await storedConsent(s.page), null, 'closing records nothing');

  await s.page.locator('nav a', { hasText: 'Settings' }).click();
  const inline = s.page.locator('main [data-optin="preferences"]');
  await inline.waitFor({ state: 'visible' });
  assert.equal(await inline.getAttribute('role'), null, 'inline: a part of the page, not a dialog');
  await inline.locator('input[data-optin-category="analytics"]').click();
  await inline.locator('[data-optin="save"]').click();
  await w.banner.waitFor({ state: 'detached' });
  const record = await storedConsent(s.page);
  assert.equal(record.method, 'custom');
  assert.deepEqual(record.categories, { necessary: true, analytics: true, social: false });
  assert.equal(await inline.isVisible(), true, 'the settings page keeps its panel');
  assert.equal(await inline.locator('input[data-optin-category="analytics"]').isChecked(), true);
  s.assertNoErrors();
});

test('a [data-optin-open] link in the page opens the panel (and is not followed); focus returns to it', T, async () => {
  const { s, w } = await openApp('/');
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });
  const link = s.page.locator('a[data-optin-open]');
  await link.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(new URL(s.page.url()).pathname, '/', 'the link was not followed');
  assert.equal(await w.preferences.getAttribute('role'), 'dialog');
  await s.page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'detached' });
  assert.equal(await link.evaluate((el) => document.activeElement === el), true, 'focus back on the link');
  s.assertNoErrors();
});

test('a German visitor (<html lang="de">) sees the built-in German texts, compiled in: no language file fetched', T, async () => {
  const { s, w } = await openApp('/de/');
  await w.banner.waitFor({ state: 'visible' });
  assert.equal(await w.banner.locator('h2').textContent(), 'Wir verwenden Cookies');
  assert.equal(await w.acceptAll.textContent(), 'Alle akzeptieren');
  assert.equal(await w.banner.getAttribute('lang'), 'de');
  assert.equal(s.requestedPath(/\/lang\//), false, 'nothing fetched for it');
  await w.preferencesOpen.click();
  assert.equal(await w.preferences.locator('h2').textContent(), 'Cookie-Einstellungen');
  s.assertNoErrors();
});

test("Consent Mode through the page's gtag: default at the start, update after a choice and on a returning visit", T, async () => {
  const { s, w } = await openApp('/');
  await w.banner.waitFor({ state: 'visible' });
  const consentCalls = () => s.page.evaluate(() => window.dataLayer
    .filter((a) => a[0] === 'consent').map((a) => [a[1], a[2]]));
  assert.deepEqual(await consentCalls(), [
    ['default', { analytics_storage: 'denied', wait_for_update: 500 }],
  ], 'the default, every mapped type denied; no update before a choice');
  await w.acceptAll.click();
  await s.page.waitForFunction(() => window.dataLayer.filter((a) => a[0] === 'consent').length === 2);
  assert.deepEqual((await consentCalls())[1], ['update', { analytics_storage: 'granted' }]);
  assert.equal(await s.page.evaluate(() => Object.prototype.toString.call(window.dataLayer.at(-1))),
    '[object Arguments]', "pushed by the page's gtag(), as Google's tag reads it");

  await s.page.reload();
  await appReady(s.page);
  await s.page.waitForFunction(() => window.dataLayer.filter((a) => a[0] === 'consent').length === 2);
  assert.deepEqual(await consentCalls(), [
    ['default', { analytics_storage: 'denied', wait_for_update: 500 }],
    ['update', { analytics_storage: 'granted' }],
  ], 'a returning visitor: the stored choice right after the default');
  s.assertNoErrors();
});

test('each choice POSTs its receipt to log.endpoint as text/plain, once', T, async () => {
  const { s, w } = await openApp('/');
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'detached' });
  const waitFor = async (n) => {
    for (let i = 0; i < 100 && receipts.length < n; i++) await sleep(50);
    assert.equal(receipts.length, n);
  };
  await waitFor(1);
  const record = await storedConsent(s.page);
  const [post] = receipts;
  assert.equal(post.method, 'POST');
  assert.match(post.type, /^text\/plain/, 'a simple request: no CORS preflight');
  assert.deepEqual(post.body, { ...record, policyUrl: '/about', site: env.server.origin }, 'the record, plus policy and site');

  await s.page.locator('[data-settings]').click();
  await w.prefsRejectAll.click();
  await w.preferences.waitFor({ state: 'detached' });
  await waitFor(2);
  assert.equal(receipts[1].body.method, 'reject-all');
  await s.page.reload();
  await appReady(s.page);
  await sleep(500);
  assert.equal(receipts.length, 2, 'a page load sends nothing again');
  s.assertNoErrors();
});
